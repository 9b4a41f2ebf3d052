import pg from 'pg';
import { openPostgresStores } from '../src/store/postgres/index.js';
import type { Stores } from '../src/store/stores.js';
import { freshDatabase } from './helpers/postgres.js';
import { postgresEngine } from './helpers/postgres-engine.js';

/**
 * The PostgreSQL ledger commits the begins and outcomes of the messages in flight together (one
 * statement, one commit, one WAL flush for many), as SQLite's group commit does, and each caller
 * still learns its own answer. Transactions are counted by the server's transaction ids: every
 * committed write takes one.
 */
const maybe = postgresEngine.skip ? describe.skip : describe;

async function transactionId(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query('SELECT txid_current() AS id')).rows[0].id);
  } finally {
    await client.end();
  }
}

async function* people(count: number) {
  for (let i = 0; i < count; i++) yield { email: `r${String(i).padStart(3, '0')}@example.org`, name: null };
}

maybe('PostgreSQL ledger: group commit of begins and outcomes', () => {
  const now = new Date('2026-03-01T09:00:00.000Z');
  const lease = new Date('2026-03-01T10:00:00.000Z');
  let url: string;
  let stores: Stores;

  beforeAll(async () => {
    url = await freshDatabase();
    stores = await openPostgresStores(url);
  });
  afterAll(() => stores.close());

  test('40 messages in flight begin and finish in a few commits, not 80, each with its own answer', async () => {
    const { ledger } = stores;
    await ledger.enqueue('2026-03-01', 'weekly', people(41));
    await ledger.join('2026-03-01', 'weekly', { id: 'a', host: 'h', pid: 1 }, now, lease);
    await ledger.join('2026-03-01', 'weekly', { id: 'b', host: 'h', pid: 2 }, now, lease);
    const mine = await ledger.claim('2026-03-01', 'weekly', 'a', 40, now);
    const theirs = await ledger.claim('2026-03-01', 'weekly', 'b', 1, now);
    expect(mine).toHaveLength(40);

    const before = await transactionId(url);
    // A row held by another worker, begun in the same batch as this worker's, is refused alone.
    const begun = await Promise.all(
      [...mine, ...theirs].map((row) => ledger.begin('2026-03-01', 'weekly', row.email, 'a')),
    );
    await Promise.all(
      mine.map((row, i) =>
        ledger.finish('2026-03-01', 'weekly', row.email, 'a', i % 2 ? 'sent' : 'failed', `reply ${i}`),
      ),
    );
    const writes = (await transactionId(url)) - before - 1;

    expect(begun).toEqual([...mine.map(() => true), false]);
    expect(writes).toBeLessThanOrEqual(10);
    const rows = await ledger.rows('2026-03-01', 'weekly');
    const byEmail = new Map(rows.map((row) => [row.email, row]));
    for (const [i, row] of mine.entries())
      expect(byEmail.get(row.email)).toMatchObject({
        state: i % 2 ? 'sent' : 'failed',
        attempts: 1,
        detail: `reply ${i}`,
      });
    expect(byEmail.get(theirs[0]!.email)).toMatchObject({ state: 'claimed', attempts: 0 });
  });

  test("one message's outcome and the next message's start share one commit", async () => {
    const { ledger } = stores;
    await ledger.enqueue('2026-03-02', 'weekly', people(20));
    await ledger.join('2026-03-02', 'weekly', { id: 'c', host: 'h', pid: 3 }, now, lease);
    const rows = await ledger.claim('2026-03-02', 'weekly', 'c', 20, now);
    const [done, next] = [rows.slice(0, 10), rows.slice(10)];
    await Promise.all(done.map((row) => ledger.begin('2026-03-02', 'weekly', row.email, 'c')));

    const before = await transactionId(url);
    // As the send loop does: each finished message records its outcome as the next one begins.
    const [, begun] = await Promise.all([
      Promise.all(done.map((row) => ledger.finish('2026-03-02', 'weekly', row.email, 'c', 'sent', '250 ok'))),
      Promise.all(next.map((row) => ledger.begin('2026-03-02', 'weekly', row.email, 'c'))),
    ]);
    const writes = (await transactionId(url)) - before - 1;

    expect(writes).toBe(1);
    expect(begun).toEqual(next.map(() => true));
    const states = new Map((await ledger.rows('2026-03-02', 'weekly')).map((row) => [row.email, row.state]));
    for (const row of done) expect(states.get(row.email)).toBe('sent');
    for (const row of next) expect(states.get(row.email)).toBe('sending');
  });
});
