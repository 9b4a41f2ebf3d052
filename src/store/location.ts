import { isAbsolute, join, resolve } from 'node:path';
import type { Config } from '../content/model.js';

export const DEFAULT_DATABASE = join('.bulletin', 'bulletin.db');

/** Which engine holds the site's data, and where. */
export type DatabaseLocation = { engine: 'sqlite'; path: string } | { engine: 'postgres'; url: string };

const POSTGRES = /^postgres(ql)?:\/\//i;

/**
 * Where the database is: `BULLETIN_DATABASE`, else the config's `database`, else SQLite under
 * .bulletin/. A file path (or `sqlite:` URL) is SQLite, relative to the site; `postgres://` or
 * `postgresql://` is PostgreSQL.
 */
export function parseDatabaseSetting(root: string, config: Config | string | undefined): DatabaseLocation {
  const setting =
    typeof config === 'string'
      ? config
      : (process.env.BULLETIN_DATABASE ?? config?.database ?? DEFAULT_DATABASE);
  if (POSTGRES.test(setting)) return { engine: 'postgres', url: setting };
  const path = setting.replace(/^sqlite:(\/\/)?/i, '');
  return { engine: 'sqlite', path: path === ':memory:' || isAbsolute(path) ? path : resolve(root, path) };
}

/** The location for messages and logs: the file path, or the URL without its password. */
export function shownLocation(location: DatabaseLocation): string {
  return location.engine === 'sqlite' ? location.path : redactPassword(location.url);
}

/** The URL with its password (and any `password=` parameter) replaced, so it can be printed. */
export function redactPassword(url: string): string {
  if (!URL.canParse(url)) return url.replace(/\/\/[^@/]*@/, '//***@');
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
  return parsed.toString();
}
