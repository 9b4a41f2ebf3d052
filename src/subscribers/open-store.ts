import { isAbsolute, join, resolve } from 'node:path';
import type { Config } from '../content/model.js';
import { SetupError } from '../diagnostics/setup-error.js';
import { SqliteSubscriberStore } from './sqlite-store.js';
import type { SubscriberStore } from './store.js';

export const DEFAULT_DATABASE = join('.bulletin', 'bulletin.db');

/** Where the database is: `BULLETIN_DATABASE`, else the config's `database`, else SQLite under .bulletin/. */
export function databasePath(root: string, config: Config): string {
  const setting = process.env.BULLETIN_DATABASE ?? config.database ?? DEFAULT_DATABASE;
  if (/^postgres(ql)?:/i.test(setting))
    throw new SetupError(
      'PostgreSQL is not supported yet; set BULLETIN_DATABASE to a SQLite file path (see README).',
    );
  const path = setting.replace(/^sqlite:(\/\/)?/i, '');
  return path === ':memory:' || isAbsolute(path) ? path : resolve(root, path);
}

/** The one place that picks the store implementation. */
export function openSubscriberStore(root: string, config: Config): SubscriberStore {
  return new SqliteSubscriberStore(databasePath(root, config));
}
