import { existsSync } from 'node:fs';
import type { Config } from '../content/model.js';
import { SetupError } from '../diagnostics/setup-error.js';
import { isErrno } from '../support/errors.js';
import type { ServiceStores, Stores } from './interface.js';
import { type DatabaseLocation, parseDatabaseSetting, shownLocation } from './location.js';

export type { ServiceStores, Stores } from './interface.js';

/**
 * The PostgreSQL engine, loaded only when a site asks for it (a constant, not a literal, so the
 * compiler does not insist that a build without it has it).
 */
const POSTGRES_ENGINE = './postgres/index.js';

/**
 * Opens (and migrates) the site's database on the engine its setting names. Each engine is loaded
 * only here, when first needed: the build commands never load the native SQLite module or `pg`.
 */
export async function openStores(root: string, config: Config): Promise<Stores> {
  return openStoresAt(parseDatabaseSetting(root, config));
}

export async function openStoresAt(location: DatabaseLocation): Promise<Stores> {
  if (location.engine === 'sqlite') {
    const { openSqliteStores } = await import('./sqlite/index.js');
    return openSqliteStores(location.path);
  }
  const engine = await loadPostgres(shownLocation(location));
  return engine.openPostgresStores(location.url);
}

/**
 * The stores when the database already exists, else undefined: for readers (the preview's release
 * status) that must not create a SQLite file just by looking. A server database always exists.
 */
export async function openExistingStores(root: string, config: Config): Promise<Stores | undefined> {
  const location = parseDatabaseSetting(root, config);
  if (location.engine === 'sqlite' && (location.path === ':memory:' || !existsSync(location.path)))
    return undefined;
  return openStoresAt(location);
}

/**
 * The stores `bulletin serve` answers requests with. On SQLite, one connection of their own with one
 * group commit (sqlite/service-stores.ts: fewer fsyncs stopping the event loop); PostgreSQL's
 * stores serve as they are.
 */
export async function serviceStoresFor(stores: Stores): Promise<ServiceStores> {
  if (stores.engine !== 'sqlite' || stores.where === ':memory:')
    return { ...pick(stores), close: async () => {} };
  const { openServiceStores } = await import('./sqlite/service-stores.js');
  return openServiceStores(stores.where);
}

function pick({ subscribers, mailQueue, rateLimits }: Stores): Omit<ServiceStores, 'close'> {
  return { subscribers, mailQueue, rateLimits };
}

async function loadPostgres(where: string): Promise<{ openPostgresStores(url: string): Promise<Stores> }> {
  try {
    return (await import(POSTGRES_ENGINE)) as { openPostgresStores(url: string): Promise<Stores> };
  } catch (error) {
    // MODULE_NOT_FOUND: the same, as a test runner's own loader says it.
    if (!isErrno(error, 'ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND')) throw error;
    throw new SetupError(
      `PostgreSQL support is not built in to this Bulletin (the database is ${where}); set BULLETIN_DATABASE ` +
        'to a SQLite file path, or use a Bulletin with PostgreSQL support.',
      { cause: error },
    );
  }
}
