import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { claimBatch, inFlightFor } from '../src/dispatch/send.js';
import { SENDABLE_FRESH_MS, SendableCheck } from '../src/dispatch/sendable-check.js';
import { SUBSCRIBERS } from '../src/store/sqlite/queries.js';
import { SqliteSubscriberStore } from '../src/store/sqlite/subscribers.js';

let dir: string;
let store: SqliteSubscriberStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bulletin-sendable-'));
  store = new SqliteSubscriberStore(join(dir, 'bulletin.db'));
  await store.importSubscribers('weekly', [{ email: 'a@example.org' }, { email: 'b@example.org' }], {
    source: 'import',
  });
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a batch is asked about once, and its answers stand while fresh', async () => {
  const check = new SendableCheck(store, 'weekly', 60_000);
  await check.prefetch(['a@example.org', 'b@example.org', 'nobody@example.org']);
  await store.setStatus('a@example.org', 'weekly', 'unsubscribed', { source: 'one-click' });
  // Within the freshness window the batch's answer stands (an unsubscribe waits at most that long).
  expect(await check.isSendable('a@example.org')).toBe(true);
  expect(await check.isSendable('nobody@example.org')).toBe(false);
  // An answer is used once: asked again, the store answers, and says no.
  expect(await check.isSendable('a@example.org')).toBe(false);
});

test('a row whose turn comes after the answer went stale is asked about on its own', async () => {
  const check = new SendableCheck(store, 'weekly', 0);
  await check.prefetch(['a@example.org', 'b@example.org']);
  await store.suppress('b@example.org', 'complained', { source: 'fbl' });
  await new Promise((resolve) => setTimeout(resolve, 5));
  expect(await check.isSendable('b@example.org')).toBe(false);
  expect(await check.isSendable('a@example.org')).toBe(true);
});

test('a claim holds a row per message in flight, more on a fast send, never more than the rate sends while its answers are fresh', () => {
  for (const concurrency of [1, 2, 4, 8, 16, 50])
    for (const rate of [0.1, 1, 10, 14, 60, 100, 1000, 1e9]) {
      const batch = claimBatch(concurrency, rate);
      expect(batch).toBeGreaterThanOrEqual(concurrency);
      expect(batch).toBeLessThanOrEqual(4 * concurrency);
      // Beyond one row per loop, every claimed row's slot comes within the freshness of the batch's answer.
      if (batch > concurrency) expect(((batch - 1) / rate) * 1000).toBeLessThanOrEqual(SENDABLE_FRESH_MS);
    }
  // The bench's fast send (4 connections, 12 messages in flight, no rate to speak of) shares each
  // claim among 48 messages.
  expect(claimBatch(inFlightFor(4), 1e9)).toBe(48);
});

test('the batched question reads each address by its key, never the whole list (a scan per claim)', async () => {
  // Many members make the list index look cheap to the planner, as on a real list.
  await store.importSubscribers(
    'weekly',
    Array.from({ length: 2000 }, (_, i) => ({ email: `reader${i}@example.org` })),
    { source: 'import' },
  );
  const db = new Database(join(dir, 'bulletin.db'), { readonly: true });
  try {
    const plan = (
      db.prepare(`EXPLAIN QUERY PLAN ${SUBSCRIBERS.sendableAmong}`).all('["a@example.org"]', 'weekly') as {
        detail: string;
      }[]
    ).map((step) => step.detail);
    expect(plan[0]).toMatch(/^SCAN batch VIRTUAL TABLE/);
    expect(plan.join('\n')).not.toMatch(/memberships_by_list|SCAN (s|m)\b/);
  } finally {
    db.close();
  }
  const asked = ['reader7@example.org', 'reader7@example.org', 'b@example.org', 'nobody@example.org'];
  expect([...(await store.sendableAmong(asked, 'weekly'))].sort()).toEqual([
    'b@example.org',
    'reader7@example.org',
  ]);
});
