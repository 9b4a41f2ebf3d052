import type Database from 'better-sqlite3';
import {
  countsByList,
  type Delivery,
  type DeliveryOutcome,
  type DeliveryState,
  type SendLedger,
  type SendWorker,
  type StateCount,
  type WorkerIdentity,
  workersWithCounts,
} from '../../dispatch/ledger.js';
import { LEDGER_SQL } from './ledger-sql.js';
import { type LedgerWriter, ledgerWriter } from './ledger-writer.js';
import { openDatabase, statementCache } from './open.js';

export { LEDGER_SQL } from './ledger-sql.js';

/**
 * The SQLite ledger. Every state change still commits before the step it guards (`sending` before
 * the message is handed to SMTP, the outcome after the reply), but the changes of all messages in
 * flight are group-committed (group-commit.ts): one fsync for many, each durable before its
 * caller goes on. The commits run in a writer thread with its own connection (ledger-writer.ts), so
 * their fsyncs do not hold up the sending thread; reads use this thread's connection. Between processes on one file, SQLite's write lock (each group commit is an
 * IMMEDIATE transaction) makes every claim and every slot reservation exclusive.
 */
export class SqliteSendLedger implements SendLedger {
  private readonly db: Database.Database;
  private readonly statement: (text: string) => Database.Statement;
  private readonly writer: LedgerWriter;

  /**
   * @param commitWindowMs how long a change may wait for others to share its commit. A few
   * milliseconds gather the replies of all connections at no cost in throughput: the send is
   * bound by composing messages, and the workers waiting meanwhile are not the bottleneck.
   */
  constructor(path: string, commitWindowMs = 8) {
    this.db = openDatabase(path);
    this.statement = statementCache(this.db);
    this.writer = ledgerWriter(path, this.db, commitWindowMs);
  }

  async enqueue(
    issue: string,
    list: string,
    recipients: AsyncIterable<{ email: string; name: string | null }>,
  ): Promise<number> {
    const insert = this.statement(LEDGER_SQL.enqueue);
    const now = new Date().toISOString();
    let added = 0;
    let batch: { email: string; name: string | null }[] = [];
    const flush = this.db.transaction((rows: { email: string; name: string | null }[]) => {
      for (const row of rows) added += insert.run(issue, list, row.email, row.name, now).changes;
    });
    for await (const recipient of recipients) {
      batch.push(recipient);
      if (batch.length === 1000) {
        // IMMEDIATE: other workers of the send enqueue the same rows at the same moment.
        flush.immediate(batch);
        batch = [];
      }
    }
    flush.immediate(batch);
    return added;
  }

  join(issue: string, list: string, worker: WorkerIdentity, now: Date, leaseUntil: Date): Promise<void> {
    const { id, host, pid } = worker;
    return this.writer.run(
      'join',
      issue,
      list,
      { id, host, pid },
      now.toISOString(),
      leaseUntil.toISOString(),
    );
  }

  heartbeat(workerId: string, now: Date, leaseUntil: Date): Promise<void> {
    return this.writer.run('heartbeat', workerId, now.toISOString(), leaseUntil.toISOString());
  }

  expire(workerId: string, now: Date): Promise<void> {
    return this.writer.run('expire', workerId, now.toISOString());
  }

  leave(workerId: string, now: Date): Promise<void> {
    return this.writer.run('leave', workerId, now.toISOString());
  }

  recoverExpired(issue: string, list: string, now: Date): Promise<{ released: number; unknown: number }> {
    return this.writer.run('recoverExpired', issue, list, now.toISOString());
  }

  claim(issue: string, list: string, workerId: string, limit: number, now: Date): Promise<Delivery[]> {
    return this.writer.run('claim', issue, list, workerId, limit, now.toISOString());
  }

  begin(issue: string, list: string, email: string, workerId: string): Promise<boolean> {
    return this.writer.run('begin', issue, list, email, workerId, new Date().toISOString());
  }

  finish(
    issue: string,
    list: string,
    email: string,
    workerId: string,
    state: DeliveryOutcome,
    detail?: string,
  ): Promise<void> {
    return this.writer.run(
      'finish',
      issue,
      list,
      email,
      workerId,
      state,
      detail ?? null,
      new Date().toISOString(),
    );
  }

  retryLater(
    issue: string,
    list: string,
    email: string,
    workerId: string,
    detail: string,
    notBefore: Date,
  ): Promise<void> {
    const at = new Date().toISOString();
    return this.writer.run('retryLater', issue, list, email, workerId, detail, notBefore.toISOString(), at);
  }

  async nextPendingAt(issue: string, list: string): Promise<Date | undefined> {
    const due = this.statement(LEDGER_SQL.nextDue).get(issue, list) as { at: string | null; n: number };
    const held = this.statement(LEDGER_SQL.nextLeaseEnd).get(issue, list) as { at: string | null; n: number };
    // '' (a row with no time, or no holder) is the epoch: due since ever.
    const times = [due, held].filter((row) => row.n > 0).map((row) => (row.at ? Date.parse(row.at) : 0));
    return times.length ? new Date(Math.min(...times)) : undefined;
  }

  async reserveSlots(
    account: string,
    count: number,
    now: Date,
    gapMs: number,
    window?: { messages: number; ms: number },
  ): Promise<Date[]> {
    const slots = await this.writer.run('reserveSlots', account, count, now.getTime(), gapMs, window ?? null);
    return slots.map((slot) => new Date(slot));
  }

  requeueUnknown(issue: string, list: string): Promise<number> {
    return this.writer.run('requeueUnknown', issue, list, new Date().toISOString());
  }

  async counts(issue: string, list?: string): Promise<Record<string, Record<DeliveryState, number>>> {
    const rows = (
      list
        ? this.statement(LEDGER_SQL.countsOfList).all(issue, list)
        : this.statement(LEDGER_SQL.counts).all(issue)
    ) as (StateCount & { list: string })[];
    return countsByList(rows);
  }

  async rows(issue: string, list: string, state?: DeliveryState) {
    return (
      state
        ? this.statement(LEDGER_SQL.rowsInState).all(issue, list, state)
        : this.statement(LEDGER_SQL.rows).all(issue, list)
    ) as { email: string; state: DeliveryState; attempts: number; detail: string | null }[];
  }

  async workers(issue: string, list: string): Promise<SendWorker[]> {
    const workers = this.statement(LEDGER_SQL.workers).all(issue, list) as Omit<SendWorker, 'counts'>[];
    const counts = this.statement(LEDGER_SQL.workerCounts).all(issue, list);
    return workersWithCounts(workers, counts as (StateCount & { worker: string })[]);
  }

  async close(): Promise<void> {
    await this.writer.close();
    this.db.close();
  }
}
