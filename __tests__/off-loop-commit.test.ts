import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { openSqliteStores } from '../src/store/sqlite/index.js';
import { OffLoopGroupCommit } from '../src/store/sqlite/off-loop-commit.js';
import { openDatabase } from '../src/store/sqlite/open.js';
import { openServiceStores } from '../src/store/sqlite/service-stores.js';
import { repoRoot } from './helpers/cli.js';
import { commitsInWal } from './helpers/wal.js';

const HOUR = 3_600_000;
/** The compiled thread (tests run after `npm run build`; under the test runner src/ has no .js to start). */
const CHECKPOINT_THREAD = join(repoRoot, 'lib', 'src', 'store', 'sqlite', 'checkpoint-thread.js');
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

/**
 * SQLite checkpoints a WAL inside the commit that takes it past 1000 pages: the WAL synced, its
 * pages copied into the database, the database synced, all on `serve`'s one thread (13 to 78 ms
 * per checkpoint measured here, while every request waits). The checkpoints run on a thread of
 * their own now, with a connection of its own; the WAL is still copied over and restarted.
 */
test('the WAL is checkpointed on a thread of its own, never in a commit on the event loop', async () => {
  const db = openDatabase(path);
  const committer = new OffLoopGroupCommit(db, `${path}-wal`, { checkpointThread: CHECKPOINT_THREAD });
  try {
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const sizeBefore = statSync(path).size;
    const hit = db.prepare('INSERT INTO rate_limits (key, window_start, count) VALUES (?, ?, 1)');
    const write = (commit: number) =>
      committer.run(() => {
        for (let row = 0; row < 30; row++) hit.run(`${commit}-${row}-${'k'.repeat(300)}`, NOW.toISOString());
      });
    // The WAL's header is written with its first commit.
    await write(0);
    let commits = 1;
    const saltsBefore = commitsInWal(`${path}-wal`).salts;
    expect(saltsBefore).not.toBe('');
    const restarted = () => commitsInWal(`${path}-wal`).salts !== saltsBefore;
    // About 3,000 pages of WAL in the first 300 commits; then on until the WAL has started over
    // (the thread may take a moment to start on a busy machine).
    while (commits < 300 || (!restarted() && commits < 3_000)) await write(commits++);
    // Copied into the database by the thread, and the WAL started over rather than growing for ever.
    expect(statSync(path).size).toBeGreaterThan(sizeBefore);
    expect(restarted()).toBe(true);
    expect(countIn(path)).toBe(commits * 30);
  } finally {
    await committer.settled();
    db.close();
  }
});

/**
 * The checkpoint thread is there for a connection's commits, not to keep a process going: a command
 * that ends with the connection still open ends. (Unreferenced before its message listener was
 * added, which refs a worker again, the thread kept the process alive for ever.)
 */
test('an open connection whose checkpoint thread is idle, or was asked for one, keeps no process alive', () => {
  const module = JSON.stringify(
    pathToFileURL(join(repoRoot, 'lib', 'src', 'store', 'sqlite', 'off-loop-checkpoint.js')).href,
  );
  const script = join(dir, 'open.mjs');
  for (const ask of ['', 'checkpoints.committed();']) {
    writeFileSync(
      script,
      // The package is found from the project, not from the temporary folder the script is in.
      `import { createRequire } from 'node:module';
      const Database = createRequire(${JSON.stringify(join(repoRoot, 'package.json'))})('better-sqlite3');
      const { OffLoopCheckpoints } = await import(${module});
      const db = new Database(${JSON.stringify(path)});
      db.pragma('journal_mode = WAL');
      const checkpoints = new OffLoopCheckpoints(db, ${JSON.stringify(path)});
      ${ask}`,
    );
    const run = spawnSync(process.execPath, [script], { cwd: repoRoot, timeout: 20_000 });
    expect([ask, run.error, run.status, run.stderr.toString()]).toEqual([ask, undefined, 0, '']);
  }
});
