import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { GroupCommit } from './group-commit.js';
import { fromWireError, type WriterReply } from './ledger-writer-wire.js';
import {
  type LedgerWrite,
  type LedgerWriteArgs,
  type LedgerWriteName,
  type LedgerWriteResult,
  runLedgerWrite,
} from './ledger-writes.js';
import { statementCache } from './open.js';

/** Where the ledger's changes are committed: each promise resolves once its change is on disk. */
export interface LedgerWriter {
  run<Name extends LedgerWriteName>(
    name: Name,
    ...args: LedgerWriteArgs<Name>
  ): Promise<LedgerWriteResult<Name>>;
  /** Commits what is queued, then lets go of the connection. */
  close(): Promise<void>;
}

const CLOSED = 'the database was closed before this change was written';

/**
 * The ledger's writer for a database file: a worker thread with its own connection
 * (ledger-writer-thread.ts) once the compiled code is there; in the calling thread for an
 * in-memory database (no other connection can see it) and under the test runner (no compiled file).
 */
export function ledgerWriter(path: string, db: Database.Database, windowMs: number): LedgerWriter {
  const threadFile = fileURLToPath(new URL('./ledger-writer-thread.js', import.meta.url));
  if (path === ':memory:' || !existsSync(threadFile)) return new LocalLedgerWriter(db, windowMs);
  return new ThreadLedgerWriter(threadFile, path, windowMs);
}

/** The changes group-committed on the caller's own connection (its fsync waits in this thread). */
class LocalLedgerWriter implements LedgerWriter {
  private readonly committer: GroupCommit;
  private readonly sql: (text: string) => Database.Statement;

  constructor(db: Database.Database, windowMs: number) {
    this.committer = new GroupCommit(db, windowMs);
    this.sql = statementCache(db);
  }

  run<Name extends LedgerWriteName>(
    name: Name,
    ...args: LedgerWriteArgs<Name>
  ): Promise<LedgerWriteResult<Name>> {
    const write: LedgerWrite = { name, args };
    return this.committer.run(() => runLedgerWrite(this.sql, write)) as Promise<LedgerWriteResult<Name>>;
  }

  async close(): Promise<void> {
    this.committer.flush();
  }
}

interface Queued {
  write: LedgerWrite;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Group commit in a worker thread. A commit waits for its fsync (milliseconds on a real disk), and
 * better-sqlite3 waits synchronously: on the sending thread that wait would stop every SMTP
 * connection with it. Here the sending thread goes on composing and streaming messages while the
 * writer thread commits; the changes that arrive meanwhile go out as the next batch the moment the
 * commit returns. Crash safety is unchanged: a caller goes on only once its change is committed.
 * The thread starts with the first change (a reader of the ledger never needs one).
 */
class ThreadLedgerWriter implements LedgerWriter {
  private worker: Worker | undefined;
  private queue: Queued[] = [];
  private inFlight: Queued[] | undefined;
  private timer: NodeJS.Timeout | undefined;
  private broken: Error | undefined;
  /** When the last batch went to the thread (performance.now()). */
  private sentAt = 0;
  private closed = false;
  private drained: (() => void)[] = [];

  constructor(
    private readonly file: string,
    private readonly path: string,
    private readonly windowMs: number,
  ) {}

  run<Name extends LedgerWriteName>(
    name: Name,
    ...args: LedgerWriteArgs<Name>
  ): Promise<LedgerWriteResult<Name>> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error(CLOSED));
      if (this.broken) return reject(this.broken);
      this.queue.push({ write: { name, args }, resolve: resolve as (value: unknown) => void, reject });
      // The window gathers the changes of the messages in flight; behind a commit they gather anyway.
      if (!this.inFlight && !this.timer) this.timer = setTimeout(() => this.send(), this.windowMs);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.queue.length > 0 || this.inFlight)
      await new Promise<void>((resolve) => {
        this.drained.push(resolve);
        if (!this.inFlight) this.send();
      });
    const worker = this.worker;
    this.worker = undefined;
    if (!worker || this.broken) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    // Held until it has closed its connection: an idle thread is unref'd, and the process would
    // otherwise end here, before its caller (the CLI setting its exit code) goes on.
    worker.ref();
    worker.postMessage('close');
    await exited;
  }

  private send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length === 0) {
      this.settle();
      return;
    }
    const batch = this.queue;
    this.queue = [];
    this.inFlight = batch;
    this.sentAt = performance.now();
    const worker = this.thread();
    // Held while a commit is under way: the process must not end with a change unanswered.
    worker.ref();
    worker.postMessage({ batch: batch.map((entry) => entry.write) });
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.file, { workerData: { path: this.path } });
    worker.on('message', (reply: WriterReply) => this.answer(reply));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.fail(new Error(`the ledger's writer thread stopped (exit ${code})`));
    });
    this.worker = worker;
    return worker;
  }

  private answer(reply: WriterReply): void {
    const batch = this.inFlight ?? [];
    this.inFlight = undefined;
    if ('failed' in reply) {
      // The commit itself failed (disk full, I/O error): nothing of the batch is on disk.
      const error = fromWireError(reply.failed);
      for (const entry of batch) entry.reject(error);
    } else {
      batch.forEach((entry, i) => {
        const outcome = reply.outcomes[i]!;
        if (outcome.ok) entry.resolve(outcome.value);
        else entry.reject(fromWireError(outcome.error));
      });
    }
    if (this.queue.length === 0) {
      this.settle();
      return;
    }
    // What queued during that commit goes once the window has passed since the last batch went:
    // fewer, larger batches (fewer fsyncs, fewer hand-overs between threads) at no cost in throughput.
    const wait = this.sentAt + this.windowMs - performance.now();
    if (wait <= 0) this.send();
    else this.timer ??= setTimeout(() => this.send(), wait);
  }

  /** Nothing queued or in flight: the thread no longer holds the process open, and close() may go on. */
  private settle(): void {
    this.worker?.unref();
    const drained = this.drained;
    this.drained = [];
    for (const resolve of drained) resolve();
  }

  private fail(error: Error): void {
    this.broken ??= error;
    this.worker = undefined;
    const waiting = [...(this.inFlight ?? []), ...this.queue];
    this.inFlight = undefined;
    this.queue = [];
    for (const entry of waiting) entry.reject(error);
    this.settle();
  }
}
