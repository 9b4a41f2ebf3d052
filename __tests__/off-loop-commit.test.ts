import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStores } from '../src/store/sqlite/index.js';
import { openServiceStores } from '../src/store/sqlite/service-stores.js';

const HOUR = 3_600_000;
const NOW = new Date('2026-12-02T05:50:00Z');

let dir: string;
let path: string;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bulletin-off-loop-'));
  path = join(dir, 'bulletin.db');
  await openSqliteStores(path).close();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const countIn = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT SUM(count) AS n FROM rate_limits').get() as { n: number | null }).n ?? 0;
  } finally {
    db.close();
  }
};

/**
 * `bulletin serve`'s requests share one thread. Its commits' fsyncs run elsewhere: between a
 * commit and its answer, other callbacks run (before, the fsync held the thread and the answer
 * came first). The answer still waits for the fsync, and the change is in the database.
 */
test("the event loop runs while a commit's fsync is in flight; the change is there once answered", async () => {
  const stores = openServiceStores(path);
  try {
    let loopTurned = false;
    const answered = stores.rateLimits.hit('k', HOUR, NOW).then(() => loopTurned);
    // Queued after the group commit's own setImmediate: it runs right after the commit returns.
    setImmediate(() => {
      loopTurned = true;
    });
    expect(await answered).toBe(true);
    expect(countIn(path)).toBe(1);
  } finally {
    await stores.close();
  }
});

test('close() waits for the changes still syncing, and keeps them', async () => {
  const stores = openServiceStores(path);
  const hits = [1, 2, 3].map(() => stores.rateLimits.hit('k', HOUR, NOW));
  await stores.close();
  expect((await Promise.all(hits)).map((hit) => hit.count)).toEqual([1, 2, 3]);
  expect(countIn(path)).toBe(3);
});
