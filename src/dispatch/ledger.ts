import type Database from 'better-sqlite3';
// SQLite's own pieces: this class moves to src/store/sqlite/ (issue 13), which the layers then allow.
import { GroupCommit } from '../store/sqlite/group-commit.js';
import { openDatabase, statementCache } from '../store/sqlite/open.js';

export const DELIVERY_STATES = [
  'pending',
  'claimed',
  'sending',
  'sent',
  'failed',
  'unknown',
  'skipped',
] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export interface Delivery {
  email: string;
  name: string | null;
  attempts: number;
}

// P (issue 13): SendLedger v2 as store-spec.md gives it, declared here only so the PostgreSQL ledger
// compiles; S's ledger.ts replaces all of this at merge (the old interface is SendLedgerV1 meanwhile).
export interface WorkerIdentity {
  id: string;
  host: string;
  pid: number;
}
export interface SendWorker extends WorkerIdentity {
  startedAt: string;
  heartbeatAt: string;
  leaseUntil: string;
  stoppedAt: string | null;
  counts: Record<DeliveryState, number>;
}
export interface SendLedger {
  enqueue(
    issue: string,
    list: string,
    recipients: AsyncIterable<{ email: string; name: string | null }>,
  ): Promise<number>;
  join(issue: string, list: string, worker: WorkerIdentity, now: Date, leaseUntil: Date): Promise<void>;
  heartbeat(workerId: string, now: Date, leaseUntil: Date): Promise<void>;
  expire(workerId: string, now: Date): Promise<void>;
  leave(workerId: string, now: Date): Promise<void>;
  recoverExpired(issue: string, list: string, now: Date): Promise<{ released: number; unknown: number }>;
  claim(issue: string, list: string, workerId: string, limit: number, now: Date): Promise<Delivery[]>;
  begin(issue: string, list: string, email: string, workerId: string): Promise<boolean>;
  finish(
    issue: string,
    list: string,
    email: string,
    workerId: string,
    state: 'sent' | 'failed' | 'unknown' | 'skipped',
    detail?: string,
  ): Promise<void>;
  retryLater(
    issue: string,
    list: string,
    email: string,
    workerId: string,
    detail: string,
    notBefore: Date,
  ): Promise<void>;
  nextPendingAt(issue: string, list: string): Promise<Date | undefined>;
  reserveSlots(
    account: string,
    count: number,
    now: Date,
    gapMs: number,
    window?: { messages: number; ms: number },
  ): Promise<Date[]>;
  requeueUnknown(issue: string, list: string): Promise<number>;
  counts(issue: string, list?: string): Promise<Record<string, Record<DeliveryState, number>>>;
  rows(
    issue: string,
    list: string,
    state?: DeliveryState,
  ): Promise<{ email: string; state: DeliveryState; attempts: number; detail: string | null }[]>;
  workers(issue: string, list: string): Promise<SendWorker[]>;
  close(): Promise<void>;
}

/**
 * The send ledger as dispatch needs it: one row per (issue, list, subscriber), moved
 * pending -> sending -> sent | failed | unknown and committed around each SMTP transaction, so
 * a resumed send knows exactly who has the message. (listmonk's complaint: a checkpoint that
 * advances when a batch is fetched, not when it is sent, skips or repeats people.)
 */
export interface SendLedgerV1 {
  /** Adds a pending row for each recipient not yet in the ledger of this send. */
  enqueue(
    issue: string,
    list: string,
    recipients: AsyncIterable<{ email: string; name: string | null }>,
  ): Promise<number>;
  /**
   * Rows left in `sending` by a process that died: their outcome is unknown, and they are not resent by
   * themselves.
   */
  markInterrupted(issue: string, list: string): Promise<number>;
  /** Takes the next pending rows and marks them `sending`, committed before any is sent. */
  claim(issue: string, list: string, limit: number): Promise<Delivery[]>;
  finish(
    issue: string,
    list: string,
    email: string,
    state: Exclude<DeliveryState, 'pending' | 'sending'>,
    detail?: string,
  ): Promise<void>;
  /** Puts a row back to pending after a transient failure, not to be claimed before `notBefore`. */
  retryLater(issue: string, list: string, email: string, detail: string, notBefore: Date): Promise<void>;
  /** When the next pending row may be claimed, or undefined if none is pending. */
  nextPendingAt(issue: string, list: string): Promise<Date | undefined>;
  /**
   * When messages of any issue were handed over (sent, or outcome unknown) since `since`, oldest first, in
   * ms.
   */
  recentSends(since: Date): Promise<number[]>;
  /** Deliberately resends messages whose outcome was unknown. */
  requeueUnknown(issue: string, list: string): Promise<number>;
  counts(issue: string, list?: string): Promise<Record<string, Record<DeliveryState, number>>>;
  rows(
    issue: string,
    list: string,
    state?: DeliveryState,
  ): Promise<{ email: string; state: DeliveryState; attempts: number; detail: string | null }[]>;
  close(): Promise<void>;
}

/**
 * The SQLite ledger. Every state change still commits before the step it guards (`sending` before
 * the message is handed to SMTP, the outcome after the reply), but the changes of all messages in
 * flight are group-committed (group-commit.ts): one fsync for many, each durable before its
 * caller goes on.
 */
export class SqliteSendLedger implements SendLedgerV1 {
  private readonly db: Database.Database;
  private readonly statement: (text: string) => Database.Statement;
  private readonly committer: GroupCommit;

  /**
   * @param commitWindowMs how long a change may wait for others to share its commit. A few
   * milliseconds gather the replies of all connections at no cost in throughput: the send is
   * bound by composing messages, and the workers waiting meanwhile are not the bottleneck.
   */
  constructor(path: string, commitWindowMs = 8) {
    this.db = openDatabase(path);
    this.statement = statementCache(this.db);
    this.committer = new GroupCommit(this.db, commitWindowMs);
  }

  private commit<T>(change: () => T): Promise<T> {
    return this.committer.run(change);
  }

  async enqueue(
    issue: string,
    list: string,
    recipients: AsyncIterable<{ email: string; name: string | null }>,
  ): Promise<number> {
    const insert = this.statement(
      "INSERT OR IGNORE INTO deliveries (issue, list_id, email, name, state, updated_at) VALUES (?, ?, ?, ?, 'pending', ?)",
    );
    const now = new Date().toISOString();
    let added = 0;
    let batch: { email: string; name: string | null }[] = [];
    const flush = this.db.transaction((rows: { email: string; name: string | null }[]) => {
      for (const row of rows) added += insert.run(issue, list, row.email, row.name, now).changes;
    });
    for await (const recipient of recipients) {
      batch.push(recipient);
      if (batch.length === 1000) {
        flush(batch);
        batch = [];
      }
    }
    flush(batch);
    return added;
  }

  async markInterrupted(issue: string, list: string): Promise<number> {
    return this.statement(
      "UPDATE deliveries SET state = 'unknown', detail = 'the sending process stopped during this message', updated_at = ? WHERE issue = ? AND list_id = ? AND state = 'sending'",
    ).run(new Date().toISOString(), issue, list).changes;
  }

  claim(issue: string, list: string, limit: number): Promise<Delivery[]> {
    return this.commit(() => {
      const now = new Date().toISOString();
      const rows = this.statement(
        "SELECT email, name, attempts FROM deliveries WHERE issue = ? AND list_id = ? AND state = 'pending' AND (not_before IS NULL OR not_before <= ?) ORDER BY email LIMIT ?",
      ).all(issue, list, now, limit) as Delivery[];
      // The state guard keeps two processes sending the same issue from both taking a row.
      const mark = this.statement(
        "UPDATE deliveries SET state = 'sending', attempts = attempts + 1, updated_at = ? WHERE issue = ? AND list_id = ? AND email = ? AND state = 'pending'",
      );
      return rows
        .filter((row) => mark.run(now, issue, list, row.email).changes === 1)
        .map((row) => ({ ...row, attempts: row.attempts + 1 }));
    });
  }

  finish(
    issue: string,
    list: string,
    email: string,
    state: Exclude<DeliveryState, 'pending' | 'sending'>,
    detail?: string,
  ): Promise<void> {
    return this.commit(() => {
      this.statement(
        'UPDATE deliveries SET state = ?, detail = ?, updated_at = ? WHERE issue = ? AND list_id = ? AND email = ?',
      ).run(state, detail ?? null, new Date().toISOString(), issue, list, email);
    });
  }

  retryLater(issue: string, list: string, email: string, detail: string, notBefore: Date): Promise<void> {
    return this.commit(() => {
      this.statement(
        "UPDATE deliveries SET state = 'pending', detail = ?, not_before = ?, updated_at = ? WHERE issue = ? AND list_id = ? AND email = ?",
      ).run(detail, notBefore.toISOString(), new Date().toISOString(), issue, list, email);
    });
  }

  async nextPendingAt(issue: string, list: string): Promise<Date | undefined> {
    const row = this.statement(
      "SELECT MIN(COALESCE(not_before, '')) AS at, COUNT(*) AS n FROM deliveries WHERE issue = ? AND list_id = ? AND state = 'pending'",
    ).get(issue, list) as { at: string | null; n: number };
    if (row.n === 0) return undefined;
    return row.at ? new Date(row.at) : new Date(0);
  }

  async recentSends(since: Date): Promise<number[]> {
    const rows = this.statement(
      "SELECT updated_at AS at FROM deliveries WHERE state IN ('sent', 'unknown') AND updated_at >= ? ORDER BY updated_at",
    ).all(since.toISOString()) as { at: string }[];
    return rows.map((row) => Date.parse(row.at));
  }

  async requeueUnknown(issue: string, list: string): Promise<number> {
    return this.statement(
      "UPDATE deliveries SET state = 'pending', updated_at = ? WHERE issue = ? AND list_id = ? AND state = 'unknown'",
    ).run(new Date().toISOString(), issue, list).changes;
  }

  async counts(issue: string, list?: string): Promise<Record<string, Record<DeliveryState, number>>> {
    const rows = this.statement(
      `SELECT list_id AS list, state, COUNT(*) AS count FROM deliveries WHERE issue = ? ${list ? 'AND list_id = ?' : ''} GROUP BY list_id, state`,
    ).all(...(list ? [issue, list] : [issue])) as { list: string; state: DeliveryState; count: number }[];
    const result: Record<string, Record<DeliveryState, number>> = {};
    for (const row of rows) {
      result[row.list] ??= Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0])) as Record<
        DeliveryState,
        number
      >;
      result[row.list]![row.state] = row.count;
    }
    return result;
  }

  async rows(issue: string, list: string, state?: DeliveryState) {
    return this.statement(
      `SELECT email, state, attempts, detail FROM deliveries WHERE issue = ? AND list_id = ? ${state ? 'AND state = ?' : ''} ORDER BY email`,
    ).all(...(state ? [issue, list, state] : [issue, list])) as {
      email: string;
      state: DeliveryState;
      attempts: number;
      detail: string | null;
    }[];
  }

  async close(): Promise<void> {
    this.committer.flush();
    this.db.close();
  }
}
