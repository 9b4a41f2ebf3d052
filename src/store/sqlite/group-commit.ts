import type Database from 'better-sqlite3';

/**
 * Group commit over one better-sqlite3 connection. Changes queue up for a moment (one turn of
 * the event loop, or `windowMs`) and go to disk in one transaction: one fsync (synchronous=FULL)
 * for the lot. Each change runs in its own savepoint, so one that fails is rolled back and
 * reported to its caller alone; a caller's promise resolves only once its change is durable, so
 * crash safety is that of one commit per change, at a fraction of the fsyncs.
 * (Hand-written: no library batches better-sqlite3 writes this way.)
 */
export class GroupCommit {
  private queue: { change: () => unknown; resolve(value: unknown): void; reject(error: unknown): void }[] =
    [];
  private scheduled = false;

  constructor(
    private readonly db: Database.Database,
    private readonly windowMs = 0,
  ) {}

  run<T>(change: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ change, resolve: resolve as (value: unknown) => void, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // setImmediate: everything that arrived in the same I/O phase shares the commit.
      if (this.windowMs > 0) setTimeout(() => this.flush(), this.windowMs);
      else setImmediate(() => this.flush());
    });
  }

  /** Commits what is queued now (also called before the connection closes). */
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
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      // IMMEDIATE: take the write lock first (waiting busy_timeout for another process), since a
      // deferred transaction that reads and then writes fails at once with SQLITE_BUSY.
      this.db
        .transaction(() => {
          for (const entry of batch) {
            try {
              outcomes.push({ ok: true, value: this.db.transaction(entry.change)() });
            } catch (error) {
              outcomes.push({ ok: false, error });
            }
          }
        })
        .immediate();
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing of the batch is on disk.
      for (const entry of batch) entry.reject(error);
      return;
    }
    batch.forEach((entry, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) entry.resolve(outcome.value);
      else entry.reject(outcome.error);
    });
  }
}
