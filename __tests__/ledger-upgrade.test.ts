import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteSendLedger } from '../src/store/sqlite/ledger.js';
import { MIGRATIONS } from '../src/store/sqlite/migrations.js';

/**
 * A database from before several workers (schema 8) opens as the v2 ledger: every row kept, a row
 * left `sending` by a process that died is recovered as unknown, and the sends of the last week
 * count against a window cap, whatever account they went through.
 */
test('a schema-8 ledger upgrades with its rows, its interrupted sends and its window history', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'bulletin-upgrade-'));
  const file = join(folder, 'bulletin.db');
  try {
    const old = new Database(file);
    old.transaction(() => {
      for (const step of MIGRATIONS.slice(0, 8)) old.exec(step);
      old.pragma('user_version = 8');
    })();
    const recent = new Date(Date.now() - 60_000).toISOString();
    const insert = old.prepare(
      'INSERT INTO deliveries (issue, list_id, email, state, attempts, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    insert.run('2026-03-06', 'weekly', 'ann@example.org', 'sent', 1, recent);
    insert.run('2026-03-06', 'weekly', 'bob@example.org', 'sent', 1, recent);
    insert.run('2026-03-06', 'weekly', 'cat@example.org', 'sending', 1, recent);
    insert.run('2026-03-06', 'weekly', 'dan@example.org', 'pending', 0, recent);
    old.close();

    const ledger = new SqliteSendLedger(file);
    expect((await ledger.counts('2026-03-06')).weekly).toMatchObject({
      sent: 2,
      sending: 1,
      pending: 1,
      claimed: 0,
    });
    expect(await ledger.recoverExpired('2026-03-06', 'weekly', new Date())).toEqual({
      released: 0,
      unknown: 1,
    });
    expect(await ledger.rows('2026-03-06', 'weekly', 'unknown')).toEqual([
      { email: 'cat@example.org', state: 'unknown', attempts: 1, detail: expect.stringMatching(/stopped/) },
    ]);
    // Two sent a minute ago: with 3 an hour, one more now, and the next an hour after the first.
    const now = new Date();
    const slots = await ledger.reserveSlots('smtp://mail', 2, now, 1, { messages: 3, ms: 3_600_000 });
    expect(slots[0]).toEqual(now);
    expect(slots[1]!.getTime()).toBe(Date.parse(recent) + 3_600_000);
    await ledger.close();
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
