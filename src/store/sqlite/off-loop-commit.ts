import { closeSync, fsyncSync, openSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { commitTogether } from './group-commit.js';
import { OffLoopCheckpoints } from './off-loop-checkpoint.js';
import type { Committer } from './shared-connection.js';

interface Waiting {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Group commit (group-commit.ts) whose fsync runs on libuv's thread pool, not on the event loop.
 * `bulletin serve` answers every request on one thread: with synchronous=FULL, SQLite's fsync at
 * each commit stopped all of them for its whole length (a quarter of the time under load).
 *
 * The connection commits with synchronous=NORMAL: SQLite writes the WAL frames and returns, and
 * stays consistent (it syncs the WAL itself before every checkpoint). Durability is ours: a change
 * resolves only once an fsync of the WAL that started after its commit has finished. That is
 * SQLite's own guarantee for a FULL commit (WAL frames on disk), kept for every change a caller is
 * told of, with one fsync per group commit as before.
 */
export class OffLoopGroupCommit implements Committer {
  private queue: ({ change: () => unknown } & Waiting)[] = [];
  private scheduled = false;
  /** The fsyncs in flight: one per commit, each started after its commit returned. */
  private readonly syncing = new Set<Promise<void>>();
  /**
   * The WAL, opened once (an fsync covers the file, whichever handle asks). Its file stays the
   * same while this connection is open: SQLite deletes a WAL only when its last connection closes.
   */
  private wal: Promise<FileHandle> | undefined;

  /** The WAL copied into the database on another thread, not inside a commit here. */
  private readonly checkpoints: OffLoopCheckpoints;

  constructor(
    private readonly db: Database.Database,
    private readonly walPath: string,
    options: { checkpointThread?: string } = {},
  ) {
    db.pragma('synchronous = NORMAL');
    this.checkpoints = new OffLoopCheckpoints(db, db.name, options.checkpointThread);
    // SQLite syncs a WAL's folder when its first sync of a new WAL does; ours are the WAL's first
    // syncs now, so the folder (holding the WAL's name) is synced here, once.
    const folder = openSync(dirname(walPath), 'r');
    try {
      fsyncSync(folder);
    } finally {
      closeSync(folder);
    }
  }

  run<T>(change: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ change, resolve: resolve as (value: unknown) => void, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => this.flush());
    });
  }

  /** Commits what is queued now; the changes resolve once the WAL is synced (see `settled`). */
  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    if (!this.db.open) {
      for (const entry of batch)
        entry.reject(new Error('the database was closed before this change was written'));
      return;
    }
    const committed: { value: unknown; waiting: Waiting }[] = [];
    try {
      const outcomes = commitTogether(
        this.db,
        batch.map((entry) => entry.change),
      );
      batch.forEach((entry, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) committed.push({ value: outcome.value, waiting: entry });
        else entry.reject(outcome.error);
      });
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing of the batch is on disk.
      for (const entry of batch) entry.reject(error);
      return;
    }
    if (committed.length > 0) this.sync(committed);
    this.checkpoints.committed();
  }

  /**
   * Resolves once every change committed so far is synced, and the checkpoint thread has stopped
   * (before the connection closes).
   */
  async settled(): Promise<void> {
    this.flush();
    await Promise.all(this.syncing);
    const wal = this.wal;
    this.wal = undefined;
    if (wal) await (await wal).close();
    await this.checkpoints.close();
  }

  /**
   * Not waiting for an fsync already in flight: it may have started before this commit's frames
   * were written, and waiting for it first would make each answer wait for two.
   */
  private sync(committed: { value: unknown; waiting: Waiting }[]): void {
    this.wal ??= open(this.walPath, 'r');
    const synced = this.wal
      .then((wal) => wal.sync())
      .then(
        () => {
          for (const { value, waiting } of committed) waiting.resolve(value);
        },
        (error: unknown) => {
          // Whether the frames reached the disk is unknown: none of the changes may be called durable.
          for (const { waiting } of committed) waiting.reject(error);
          // Opened afresh next time, in case it was the opening that failed.
          this.wal = undefined;
        },
      );
    this.syncing.add(synced);
    void synced.finally(() => this.syncing.delete(synced));
  }
}
