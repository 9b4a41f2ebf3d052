import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { SetupError } from '../src/diagnostics/setup-error.js';
import { COPIED_TABLES } from '../src/store/copy.js';
import { openPostgresStores } from '../src/store/postgres/index.js';
import { POSTGRES_MIGRATIONS } from '../src/store/postgres/migrations.js';
import { openDatabase } from '../src/store/sqlite/open.js';
import { SqliteSubscriberStore } from '../src/store/sqlite/subscribers.js';
import type { SubscriberStore } from '../src/subscribers/store.js';
import { closeBeforeStop, freshDatabase } from './helpers/postgres.js';
import { postgresEngine } from './helpers/postgres-engine.js';
import { collect } from './store-contract/subscribers.js';

/**
 * What only the PostgreSQL engine has, against a real server (a throwaway cluster,
 * __tests__/helpers/postgres.ts): imports in chunks that decide exactly as SQLite does, migrations under
 * an advisory lock, the schema kept in step with SQLite's, and connection failures. Every store
 * behaviour both engines share is in store-contract.test.ts.
 */
const maybe = postgresEngine.skip ? describe.skip : describe;

async function query<T>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

/** One history of changes, with imports that take every path (new, pending, kept out, renamed, repeated). */
async function importHistory(store: SubscriberStore): Promise<unknown[]> {
  const at = { source: 'test', at: '2026-01-01T09:00:00.000Z' };
  const outcomes: unknown[] = [];
  await store.requestSubscription({ email: 'pend@example.org' }, ['weekly'], at);
  await store.suppress('sup@example.org', 'complained', at);
  await store.addSubscriber('weekly', { email: 'old@example.org', name: 'Old' }, 'subscribed', at);
  await store.addSubscriber('weekly', { email: 'gone@example.org' }, 'subscribed', at);
  await store.setStatus('gone@example.org', 'weekly', 'unsubscribed', at);
  const many = Array.from({ length: 1200 }, (_, i) => ({
    email: `m${String(i).padStart(4, '0')}@example.org`,
  }));
  const weekly = [
    { email: 'new1@example.org' },
    { email: 'pend@example.org' },
    { email: 'sup@example.org', name: 'Sup' },
    { email: 'old@example.org', name: 'Older', attributes: { org: 'NHS' } },
    { email: 'gone@example.org', name: 'Gone' },
    { email: 'pend@example.org', name: 'Pending Person' },
    { email: 'new1@example.org', attributes: { org: 'CCG' } },
    ...many,
    { email: 'new1@example.org', name: 'New One' },
    { email: 'old@example.org', attributes: { org: 'NHS' } },
  ];
  outcomes.push(await store.importSubscribers('weekly', weekly, { source: 'import:a.csv', at: at.at }));
  const leaders = [{ email: 'old@example.org' }, { email: 'sup@example.org' }, ...many.slice(0, 600)];
  outcomes.push(await store.importSubscribers('leaders', leaders, { source: 'import:b.csv', at: at.at }));
  outcomes.push(await store.importSubscribers('leaders', leaders, { source: 'import:b.csv', at: at.at }));
  for await (const record of store.subscribers()) outcomes.push(record);
  return outcomes;
}

const CONSENT_LOG = `SELECT s.email, c.list_id, c.status, c.source FROM consent_log c
                       JOIN subscribers s ON s.id = c.subscriber_id ORDER BY c.id`;

maybe('PostgreSQL: imports', () => {
  test('an import in chunks decides and logs exactly as the SQLite store does, row by row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulletin-pg-import-'));
    const sqlite = new SqliteSubscriberStore(join(dir, 'site.db'));
    const stores = await postgresEngine.open();
    try {
      const expected = await importHistory(sqlite);
      expect(await importHistory(stores.subscribers)).toEqual(expected);
      const sqliteLog = openDatabase(join(dir, 'site.db'));
      const url = stores.where;
      expect(await query(url, CONSENT_LOG)).toEqual(sqliteLog.prepare(CONSENT_LOG).all());
      sqliteLog.close();
    } finally {
      await sqlite.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

maybe('PostgreSQL: migrations and connections', () => {
  test('processes opening a fresh database at once migrate it once, under the advisory lock', async () => {
    const url = await freshDatabase();
    const settled = await Promise.allSettled(Array.from({ length: 4 }, () => openPostgresStores(url)));
    const opened = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    for (const stores of opened) closeBeforeStop(() => stores.close());
    expect(settled.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
    const versions = await query<{ version: number }>(
      url,
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    expect(versions.map((row) => row.version)).toEqual(POSTGRES_MIGRATIONS.map((_, i) => i + 1));
    expect(opened.map((stores) => [stores.engine, stores.where])).toEqual(
      opened.map(() => ['postgres', url]),
    );
    await Promise.all(opened.map((stores) => stores.close()));
    // Reopened: nothing to do, nothing repeated; and the close above may be repeated safely.
    const again = await openPostgresStores(url);
    await again.close();
    await again.close();
    expect(await query(url, 'SELECT version FROM schema_migrations')).toHaveLength(
      POSTGRES_MIGRATIONS.length,
    );
  });

  test('both engines have the same tables and columns (db copy relies on it)', async () => {
    const url = await freshDatabase();
    await (await openPostgresStores(url)).close();
    const columns = await query<{ table_name: string; column_name: string }>(
      url,
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'",
    );
    const onPostgres = (table: string) =>
      columns.filter((row) => row.table_name === table).map((row) => `${table}.${row.column_name}`);
    const sqlite = openDatabase(':memory:');
    const onSqlite = (table: string) =>
      (sqlite.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map(
        (c) => `${table}.${c.name}`,
      );
    // store-spec.md's additions (SQLite migration 9): PostgreSQL may be ahead of a SQLite without them, no more.
    const additions = ['deliveries.worker', 'schedules.runner', 'schedules.lease_until'];
    const newTables = ['send_workers', 'send_pacing', 'send_slots', 'rate_limits'];
    for (const table of COPIED_TABLES) {
      const [pgColumns, sqliteColumns] = [onPostgres(table), onSqlite(table)];
      expect(pgColumns.length).toBeGreaterThan(0);
      if (sqliteColumns.length === 0 && newTables.includes(table)) continue;
      expect(
        pgColumns.filter((column) => !sqliteColumns.includes(column) && !additions.includes(column)),
      ).toEqual([]);
      expect(sqliteColumns.filter((column) => !pgColumns.includes(column))).toEqual([]);
    }
    sqlite.close();
  });

  test('a connection the server ends mid-read fails that read only: the pool discards it and goes on', async () => {
    const stores = await postgresEngine.open();
    const rows = Array.from({ length: 3000 }, (_, i) => ({ email: `c${i}@example.org` }));
    await stores.subscribers.importSubscribers('weekly', rows, { source: 'import' });
    const reading = stores.subscribers.recipients('weekly')[Symbol.asyncIterator]();
    await reading.next();
    // An administrator (or a failover) ends every other session on the database.
    await query(
      stores.where,
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    await expect(
      (async () => {
        for (let next = await reading.next(); !next.done; next = await reading.next());
      })(),
    ).rejects.toThrow(/terminat|connection error/);
    expect(await stores.subscribers.isSendable('c1@example.org', 'weekly')).toBe(true);
    expect((await collect(stores.subscribers.recipients('weekly'))).length).toBe(3000);
  });

  test('a database from a newer Bulletin is refused rather than damaged', async () => {
    const url = await freshDatabase();
    await (await openPostgresStores(url)).close();
    await query(url, `INSERT INTO schema_migrations VALUES (${POSTGRES_MIGRATIONS.length + 1}, now())`);
    await expect(openPostgresStores(url)).rejects.toThrow(
      new RegExp(
        `schema version ${POSTGRES_MIGRATIONS.length + 1}, newer than this Bulletin knows \\(${POSTGRES_MIGRATIONS.length}\\)`,
      ),
    );
  });

  test('a missing database, an unknown user and a closed port are one-line SetupErrors without the password', async () => {
    const url = new URL(await freshDatabase());
    const missing = new URL(url);
    missing.pathname = '/no_such_db';
    missing.password = 's3cret-pw';
    const stranger = new URL(url);
    stranger.username = 'mallory';
    const closed = new URL(url);
    closed.port = String(await closedPort());
    closed.password = 's3cret-pw';
    const cases: [URL, RegExp][] = [
      [
        missing,
        /The database of postgres:\/\/bulletin:\*\*\*@127\.0\.0\.1:\d+\/no_such_db does not exist .*createdb/,
      ],
      [stranger, /PostgreSQL refused the login to postgres:\/\/mallory@.*role "mallory" does not exist/],
      [
        closed,
        /Cannot reach the PostgreSQL server of postgres:\/\/bulletin:\*\*\*@.*\(ECONNREFUSED\); start it/,
      ],
    ];
    for (const [target, message] of cases) {
      const error = await openPostgresStores(target.toString()).then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(SetupError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain('s3cret-pw');
      expect((error as Error).message).not.toContain('\n');
      expect((error as Error).cause).toBeDefined();
    }
  });
});

/** A loopback port nobody listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
