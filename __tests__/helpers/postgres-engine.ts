import pg from 'pg';
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

/** The consent log of one address, oldest first, read over a connection of its own. */
export async function postgresConsentLog(
  stores: Stores,
  email: string,
): Promise<{ list: string | null; status: string; source: string }[]> {
  const url = urls.get(stores);
  if (!url) throw new Error('these stores were not opened by postgresEngine.open');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query(
      `SELECT c.list_id AS list, c.status, c.source FROM consent_log c JOIN subscribers s ON s.id = c.subscriber_id
        WHERE s.email = $1 ORDER BY c.id`,
      [email],
    );
    return result.rows as { list: string | null; status: string; source: string }[];
  } finally {
    await client.end();
  }
}

/** Any query on the stores' database, over a connection of its own (what no store method reads). */
export async function postgresQuery(stores: Stores, text: string, values: unknown[]): Promise<unknown[]> {
  const url = urls.get(stores);
  if (!url) throw new Error('these stores were not opened by postgresEngine.open');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows;
  } finally {
    await client.end();
  }
}
