import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** SQLite's own default: a checkpoint once the WAL holds this many pages. */
const SQLITE_AUTOCHECKPOINT = 1000;

/**
 * The least time between two checkpoints: the WAL then holds at most this long's commits (a few
 * hundred pages at 500 sign-ups a second) when it is copied over and can start again.
 */
const CHECKPOINT_EVERY_MS = 100;

/** The compiled thread beside this module (missing under the test runner, which runs the .ts). */
export const CHECKPOINT_THREAD = fileURLToPath(new URL('./checkpoint-thread.js', import.meta.url));

/**
 * WAL checkpoints off the event loop. SQLite runs one inside the commit that takes the WAL past
 * 1000 pages: it syncs the WAL, copies the pages into the database and syncs that, and the thread
 * that committed waits for all of it (13 to 78 ms measured, while `serve`'s requests wait too).
 * Here that connection never checkpoints; after a commit, at most every 100 ms, a worker thread
 * with its own connection does (checkpoint-thread.ts). Durability is unchanged: a checkpoint only
 * copies pages already committed, and syncs before and after as SQLite's own does.
 *
 * Without the compiled thread (the test runner), or once the thread has failed, the connection
 * checkpoints itself again, as SQLite does by default: the WAL must never grow without bound.
 */
export class OffLoopCheckpoints {
  private worker: Worker | undefined;
  private inFlight = false;
  private lastStarted = 0;

  constructor(
    private readonly db: Database.Database,
    path: string,
    threadFile = CHECKPOINT_THREAD,
  ) {
    if (path === ':memory:' || !existsSync(threadFile)) return;
    const worker = new Worker(threadFile, { workerData: { path } });
    worker.on('message', (done: { frames: number; copied: number }) => {
      this.inFlight = false;
      this.finish(done);
    });
    worker.on('error', () => this.onLoop());
    worker.on('exit', () => this.onLoop());
    // A checkpoint left undone is done by the next connection to commit or close: nothing to wait for.
    // After the listeners: listening for a worker's messages refs it again.
    worker.unref();
    this.worker = worker;
    db.pragma('wal_autocheckpoint = 0');
  }

  /** After a commit: asks the thread for a checkpoint unless one is under way or started just now. */
  committed(): void {
    if (!this.worker || this.inFlight) return;
    const now = performance.now();
    if (now - this.lastStarted < CHECKPOINT_EVERY_MS) return;
    this.inFlight = true;
    this.lastStarted = now;
    this.worker.postMessage('checkpoint');
  }

  /** Stops the thread, with its connection (before this connection closes and checkpoints the rest). */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    // Held until it has closed its connection: unreferenced, the process could end while waiting here
    // (`serve` on a port in use exited 0, before saying why).
    worker.ref();
    worker.postMessage('close');
    await exited;
  }

  /**
   * A WAL starts over (at the next commit) only once a checkpoint has copied all of it; under steady
   * load, commits made during the thread's checkpoint keep it from ever being all copied, and the
   * WAL would grow for ever. Once it holds SQLite's 1000 pages, the few pages committed during the
   * thread's checkpoint are copied here: a short checkpoint on the loop instead of a long one.
   */
  private finish(done: { frames: number; copied: number }): void {
    if (done.frames < SQLITE_AUTOCHECKPOINT || done.copied >= done.frames || !this.db.open) return;
    try {
      this.db.pragma('wal_checkpoint(PASSIVE)');
    } catch (error) {
      // Another process's checkpoint or lock (SQLITE_BUSY, SQLITE_LOCKED): the next round copies it.
      if (!(error instanceof Database.SqliteError)) throw error;
    }
  }

  private onLoop(): void {
    if (!this.worker) return;
    this.worker = undefined;
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT}`);
  }
}
