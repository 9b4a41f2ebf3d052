import pg from 'pg';
import { openPostgresStores } from '../src/store/postgres/index.js';
import { freshDatabase } from './helpers/postgres.js';
import { postgresEngine } from './helpers/postgres-engine.js';

/**
 * A claim on PostgreSQL costs the same at the end of a long send as at its start: the claimed rows
 * are found by their key, never by reading the whole send. The work is counted by the server (rows
 * read by sequential scans and index entries read, from pg_stat_user_tables), not timed. Each
 * phase ends by closing its connections, which is when a backend reports its counts.
 */
const maybe = postgresEngine.skip ? describe.skip : describe;

const ISSUE = '2026-04-03';
const ROWS = 4000;
const BATCH = 8;

async function* people(count: number) {
  for (let i = 0; i < count; i++) yield { email: `r${String(i).padStart(5, '0')}@example.org`, name: null };
}

async function rowsRead(url: string): Promise<{ sequential: number; index: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // A closed backend's counts arrive shortly after it ends: wait until they stop changing.
    let last = '';
    for (let tries = 0; tries < 50; tries++) {
      await client.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await client.query(
        `SELECT COALESCE(seq_tup_read, 0) AS sequential, COALESCE(idx_tup_fetch, 0) AS index
           FROM pg_stat_user_tables WHERE relname = 'deliveries'`,
      );
      const now = JSON.stringify(rows[0]);
      if (now === last) return { sequential: Number(rows[0].sequential), index: Number(rows[0].index) };
      last = now;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error('the server did not settle its statistics');
  } finally {
    await client.end();
  }
}

maybe('PostgreSQL ledger: the work of a claim', () => {
  test(`${ROWS / BATCH} claims of ${BATCH} over a ${ROWS}-row send never read the whole send`, async () => {
    const url = await freshDatabase();
    const now = new Date('2026-04-03T09:00:00.000Z');
    const enqueued = await openPostgresStores(url);
    await enqueued.ledger.enqueue(ISSUE, 'weekly', people(ROWS));
    await enqueued.ledger.join(
      ISSUE,
      'weekly',
      { id: 'w', host: 'h', pid: 1 },
      now,
      new Date('2026-04-03T10:00:00Z'),
    );
    await enqueued.close();
    const before = await rowsRead(url);

    const stores = await openPostgresStores(url);
    const claimed: string[] = [];
    for (let round = 0; round < ROWS / BATCH; round++) {
      const rows = await stores.ledger.claim(ISSUE, 'weekly', 'w', BATCH, now);
      // As a send does: each claimed row is begun and finished (in flight together) before the next claim.
      const begun = await Promise.all(
        rows.map((row) => stores.ledger.begin(ISSUE, 'weekly', row.email, 'w')),
      );
      expect(begun.every(Boolean)).toBe(true);
      await Promise.all(
        rows.map((row) => stores.ledger.finish(ISSUE, 'weekly', row.email, 'w', 'sent', '250 ok')),
      );
      claimed.push(...rows.map((row) => row.email));
    }
    expect(await stores.ledger.claim(ISSUE, 'weekly', 'w', BATCH, now)).toEqual([]);
    await stores.close();
    const after = await rowsRead(url);

    expect(new Set(claimed).size).toBe(ROWS);
    // Not one pass over the send, in 500 claims, 4,000 begins and 4,000 outcomes...
    expect(after.sequential - before.sequential).toBeLessThan(ROWS);
    // ...and a handful of row versions fetched through an index per row claimed, begun and finished
    // (each change leaves a version behind until a vacuum; a scan of the send would be ~500 a row).
    expect((after.index - before.index) / ROWS).toBeLessThan(20);
  }, 120_000);
});
