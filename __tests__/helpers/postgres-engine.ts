import { openPostgresStores } from '../../src/store/postgres/index.js';
import type { Stores } from '../../src/store/stores.js';
import { closeBeforeStop, freshDatabase, postgresAvailable } from './postgres.js';

const urls = new WeakMap<Stores, string>();

async function openUrl(url: string): Promise<Stores> {
  const stores = await openPostgresStores(url);
  urls.set(stores, url);
  closeBeforeStop(() => stores.close());
  return stores;
}

/** Stores on a fresh database of this test file's throwaway cluster. */
async function open(): Promise<Stores> {
  return openUrl(await freshDatabase());
}

/** Another pool on the same database: to the server, another process. */
async function sameDatabase(stores: Stores): Promise<Stores> {
  const url = urls.get(stores);
  if (!url) throw new Error('these stores were not opened by postgresEngine.open');
  return openUrl(url);
}

/** The PostgreSQL entry of the engines the store contract runs on (__tests__/helpers/engines.ts). */
export const postgresEngine = {
  name: 'postgres' as const,
  open,
  sameDatabase,
  /** Why it is skipped (no server installed, outside CI), else undefined. */
  get skip(): string | undefined {
    return postgresAvailable() ? undefined : 'PostgreSQL is not installed (apt-get install -y postgresql)';
  },
};
