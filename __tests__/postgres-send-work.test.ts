import pg from 'pg';
import { openPostgresStores } from '../src/store/postgres/index.js';
import type { Stores } from '../src/store/stores.js';
import { clusterSettings, freshDatabase } from './helpers/postgres.js';
import { postgresEngine } from './helpers/postgres-engine.js';

/**
 * The server's share of a send on PostgreSQL, counted by the server itself (never timed): the rows
 * a send's statements read per message (pg_stat_user_tables), and how often the statement that
 * records the messages in flight is planned (pg_stat_statements, loaded in this file's cluster).
 * Each phase ends by closing its connections, which is when a backend reports its counts.
 */
const maybe = postgresEngine.skip ? describe.skip : describe;

const ISSUE = '2026-05-01';
const BATCH = 32;

const people = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({
    email: `reader${from + i}@example.org`,
    name: `Reader ${from + i}`,
  }));

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Rows of `table` read by sequential scans and through indexes, once the closed backends have reported. */
async function rowsRead(url: string, table: string): Promise<number> {
  return withClient(url, async (client) => {
    let last = '';
    for (let tries = 0; tries < 50; tries++) {
      await client.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await client.query(
        `SELECT COALESCE(t.seq_tup_read, 0) + (SELECT COALESCE(SUM(i.idx_tup_read), 0) FROM pg_stat_user_indexes i
                                                WHERE i.relid = t.relid) AS n
           FROM pg_stat_user_tables t WHERE t.relid = $1::regclass`,
        [table],
      );
      if (rows[0].n === last) return Number(last);
      last = rows[0].n;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error('the server did not settle its statistics');
  });
}

/**
 * As a send does it: claim a batch, ask whether its rows are still sendable, and send them in
 * `lanes` at once, each message's start sharing a commit with the previous message's outcome.
 */
async function sendAll(stores: Stores, list: string, lanes: number): Promise<number> {
  const now = new Date();
  await stores.ledger.join(
    ISSUE,
    list,
    { id: 'w', host: 'h', pid: 1 },
    now,
    new Date(now.getTime() + 3600_000),
  );
  let sent = 0;
  for (;;) {
    const rows = await stores.ledger.claim(ISSUE, list, 'w', BATCH, new Date());
    if (rows.length === 0) return sent;
    const sendable = await stores.subscribers.sendableAmong(
      rows.map((row) => row.email),
      list,
    );
    expect(sendable.size).toBe(rows.length);
    let next = 0;
    const lane = async () => {
      let recorded: Promise<void> = Promise.resolve();
      while (next < rows.length) {
        const row = rows[next++]!;
        const [, begun] = await Promise.all([recorded, stores.ledger.begin(ISSUE, list, row.email, 'w')]);
        expect(begun).toBe(true);
        recorded = stores.ledger.finish(ISSUE, list, row.email, 'w', 'sent', '250 ok');
      }
      await recorded;
    };
    await Promise.all(Array.from({ length: lanes }, lane));
    sent += rows.length;
  }
}

maybe('PostgreSQL: the server work of a send', () => {
  clusterSettings({
    shared_preload_libraries: 'pg_stat_statements',
    'pg_stat_statements.track_planning': 'on',
  });

  test('a send started right after an import reads a few memberships per message, not the whole list', async () => {
    const url = await freshDatabase();
    // As `bulletin import` and then `bulletin send` at once: nothing has analysed the new rows yet.
    const imported = await openPostgresStores(url);
    await imported.subscribers.importSubscribers('weekly', people(0, 2000), { source: 'import' });
    await imported.subscribers.importSubscribers('leaders', people(2000, 6000), { source: 'import' });
    await imported.close();

    const stores = await openPostgresStores(url);
    await stores.ledger.enqueue(ISSUE, 'weekly', stores.subscribers.recipients('weekly'));
    await stores.close();
    const before = (await rowsRead(url, 'memberships')) + (await rowsRead(url, 'subscribers'));

    const sending = await openPostgresStores(url);
    expect(await sendAll(sending, 'weekly', 4)).toBe(2000);
    await sending.close();
    const after = (await rowsRead(url, 'memberships')) + (await rowsRead(url, 'subscribers'));

    // The claim reads each row's subscriber and membership by key: a few rows per message. The
    // sendable check of a batch of 32 may read the list once (a hash join, for so small a list).
    // A plan made without statistics read the list's 2,000 memberships for every message claimed.
    expect((after - before) / 2000).toBeLessThan(100);
  }, 120_000);

  test('the statement recording the messages in flight is planned a few times, not once per message', async () => {
    const url = await freshDatabase();
    await withClient(url, (client) => client.query('CREATE EXTENSION pg_stat_statements'));
    const seeded = await openPostgresStores(url);
    await seeded.subscribers.importSubscribers('weekly', people(0, 3000), { source: 'import' });
    await seeded.ledger.enqueue(ISSUE, 'weekly', seeded.subscribers.recipients('weekly'));
    await seeded.close();

    const stores = await openPostgresStores(url);
    expect(await sendAll(stores, 'weekly', 2)).toBe(3000);
    await stores.close();

    const { calls, plans } = await withClient(url, async (client) => {
      const { rows } = await client.query(
        `SELECT COALESCE(SUM(calls), 0) AS calls, COALESCE(SUM(plans), 0) AS plans FROM pg_stat_statements
          WHERE query LIKE 'WITH finished AS%' AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      return { calls: Number(rows[0].calls), plans: Number(rows[0].plans) };
    });
    // 3,000 messages, two in flight: about 3,000 statements.
    expect(calls).toBeGreaterThan(1000);
    // A prepared statement is planned for itself 5 times per connection, then a generic plan serves.
    expect(plans).toBeLessThan(calls / 4);
  }, 120_000);
});
