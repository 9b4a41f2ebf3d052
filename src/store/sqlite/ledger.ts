import type Database from 'better-sqlite3';
import {
  countsByList,
  type Delivery,
  type DeliveryOutcome,
  type DeliveryState,
  type SendLedger,
  type SendWorker,
  type StateCount,
  SELF_SUBSCRIBED_SOURCES,
  type WorkerIdentity,
  workersWithCounts,
} from '../../dispatch/ledger.js';
import { Pacer } from '../../dispatch/pacer.js';
import { GroupCommit } from './group-commit.js';
import { openDatabase, statementCache } from './open.js';

/** Every query of the SQLite send ledger, by name. */
export const LEDGER_SQL = {
  enqueue:
    'INSERT OR IGNORE INTO deliveries (issue, list_id, email, name, state, updated_at) ' +
    "VALUES (?, ?, ?, ?, 'pending', ?)",
  join:
    'INSERT INTO send_workers (id, issue, list_id, host, pid, started_at, heartbeat_at, lease_until) ' +
    'VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  heartbeat: 'UPDATE send_workers SET heartbeat_at = ?, lease_until = ? WHERE id = ?',
  expire: 'UPDATE send_workers SET lease_until = ? WHERE id = ? AND lease_until > ?',
  stopWorker: 'UPDATE send_workers SET stopped_at = ?, lease_until = ? WHERE id = ?',
  /** A leaving worker's rows, found through its send so the (issue, list) index is used. */
  releaseOwn:
    "UPDATE deliveries SET state = 'pending', worker = NULL, updated_at = ? " +
    'WHERE issue = (SELECT issue FROM send_workers WHERE id = ?) ' +
    'AND list_id = (SELECT list_id FROM send_workers WHERE id = ?) ' +
    "AND state = 'claimed' AND worker = ?",
  /** Rows held by no live worker: its lease ended, or it never had one (a send from before workers). */
  releaseOrphans:
    "UPDATE deliveries SET state = 'pending', worker = NULL, updated_at = ? " +
    "WHERE issue = ? AND list_id = ? AND state = 'claimed' AND NOT EXISTS " +
    '(SELECT 1 FROM send_workers w WHERE w.id = deliveries.worker AND w.lease_until > ?)',
  orphansUnknown:
    "UPDATE deliveries SET state = 'unknown', detail = ?, updated_at = ? " +
    "WHERE issue = ? AND list_id = ? AND state = 'sending' AND NOT EXISTS " +
    '(SELECT 1 FROM send_workers w WHERE w.id = deliveries.worker AND w.lease_until > ?)',
  /** With the subscriber's id, for the bounce token: read here, not once per message. */
  claimable:
    'SELECT d.email, d.name, d.attempts, s.id AS subscriberId, m.status_at AS subscribedAt FROM deliveries d ' +
    'LEFT JOIN subscribers s ON s.email = d.email ' +
    "LEFT JOIN memberships m ON m.subscriber_id = s.id AND m.list_id = d.list_id AND m.status = 'subscribed' " +
    `AND m.status_source IN (${SELF_SUBSCRIBED_SOURCES.map((source) => `'${source}'`).join(', ')}) ` +
    "WHERE d.issue = ? AND d.list_id = ? AND d.state = 'pending' AND (d.not_before IS NULL OR d.not_before <= ?) " +
    'ORDER BY d.email LIMIT ?',
  claim:
    "UPDATE deliveries SET state = 'claimed', worker = ?, updated_at = ? " +
    "WHERE issue = ? AND list_id = ? AND email = ? AND state = 'pending'",
  begin:
    "UPDATE deliveries SET state = 'sending', attempts = attempts + 1, updated_at = ? " +
    "WHERE issue = ? AND list_id = ? AND email = ? AND state = 'claimed' AND worker = ?",
  /** From `unknown` too: a late reply after the lease ran out is still the truth about the message. */
  finish:
    'UPDATE deliveries SET state = ?, detail = ?, updated_at = ? ' +
    "WHERE issue = ? AND list_id = ? AND email = ? AND worker = ? AND state IN ('claimed', 'sending', 'unknown')",
  retryLater:
    "UPDATE deliveries SET state = 'pending', worker = NULL, detail = ?, not_before = ?, updated_at = ? " +
    "WHERE issue = ? AND list_id = ? AND email = ? AND worker = ? AND state = 'sending'",
  nextDue:
    "SELECT MIN(COALESCE(not_before, '')) AS at, COUNT(*) AS n FROM deliveries " +
    "WHERE issue = ? AND list_id = ? AND state = 'pending'",
  nextLeaseEnd:
    "SELECT MIN(COALESCE(w.lease_until, '')) AS at, COUNT(*) AS n FROM deliveries d " +
    'LEFT JOIN send_workers w ON w.id = d.worker ' +
    "WHERE d.issue = ? AND d.list_id = ? AND d.state IN ('claimed', 'sending')",
  pacing: 'SELECT next_at FROM send_pacing WHERE account = ?',
  setPacing:
    'INSERT INTO send_pacing (account, next_at) VALUES (?, ?) ' +
    'ON CONFLICT (account) DO UPDATE SET next_at = excluded.next_at',
  /** The latest grants inside the window, newest first; '' holds sends from before accounts were kept. */
  recentSlots: "SELECT at FROM send_slots WHERE account IN (?, '') AND at > ? ORDER BY at DESC LIMIT ?",
  addSlot: 'INSERT INTO send_slots (account, at) VALUES (?, ?)',
  purgeSlots: "DELETE FROM send_slots WHERE account IN (?, '') AND at < ?",
  requeueUnknown:
    "UPDATE deliveries SET state = 'pending', worker = NULL, updated_at = ? " +
    "WHERE issue = ? AND list_id = ? AND state = 'unknown'",
  counts:
    'SELECT list_id AS list, state, COUNT(*) AS count FROM deliveries WHERE issue = ? GROUP BY list_id, state',
  countsOfList:
    'SELECT list_id AS list, state, COUNT(*) AS count FROM deliveries ' +
    'WHERE issue = ? AND list_id = ? GROUP BY list_id, state',
  rows: 'SELECT email, state, attempts, detail FROM deliveries WHERE issue = ? AND list_id = ? ORDER BY email',
  rowsInState:
    'SELECT email, state, attempts, detail FROM deliveries ' +
    'WHERE issue = ? AND list_id = ? AND state = ? ORDER BY email',
  workers:
    'SELECT id, host, pid, started_at AS startedAt, heartbeat_at AS heartbeatAt, lease_until AS leaseUntil, ' +
    'stopped_at AS stoppedAt FROM send_workers WHERE issue = ? AND list_id = ? ORDER BY started_at, id',
  workerCounts:
    'SELECT worker, state, COUNT(*) AS count FROM deliveries ' +
    'WHERE issue = ? AND list_id = ? AND worker IS NOT NULL GROUP BY worker, state',
} as const;

type ClaimableRow = Omit<Delivery, 'subscriberId' | 'subscribedAt'> & {
  subscriberId: number | null;
  subscribedAt: string | null;
};

const INTERRUPTED = 'the sending process stopped during this message';
/** Grants are kept at least this long, whatever window the caller has: another send may have a longer one. */
const KEEP_SLOTS_MS = 7 * 86_400_000;

/**
 * The SQLite ledger. Every state change still commits before the step it guards (`sending` before
 * the message is handed to SMTP, the outcome after the reply), but the changes of all messages in
 * flight are group-committed (group-commit.ts): one fsync for many, each durable before its
 * caller goes on. Between processes on one file, SQLite's write lock (each group commit is an
 * IMMEDIATE transaction) makes every claim and every slot reservation exclusive.
 */
export class SqliteSendLedger implements SendLedger {
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
    const at = now.toISOString();
    return this.commit(() => {
      this.statement(LEDGER_SQL.join).run(
        worker.id,
        issue,
        list,
        worker.host,
        worker.pid,
        at,
        at,
        leaseUntil.toISOString(),
      );
    });
  }

  heartbeat(workerId: string, now: Date, leaseUntil: Date): Promise<void> {
    return this.commit(() => {
      this.statement(LEDGER_SQL.heartbeat).run(now.toISOString(), leaseUntil.toISOString(), workerId);
    });
  }

  expire(workerId: string, now: Date): Promise<void> {
    const at = now.toISOString();
    return this.commit(() => {
      this.statement(LEDGER_SQL.expire).run(at, workerId, at);
    });
  }

  leave(workerId: string, now: Date): Promise<void> {
    const at = now.toISOString();
    return this.commit(() => {
      this.statement(LEDGER_SQL.releaseOwn).run(at, workerId, workerId, workerId);
      this.statement(LEDGER_SQL.stopWorker).run(at, at, workerId);
    });
  }

  recoverExpired(issue: string, list: string, now: Date): Promise<{ released: number; unknown: number }> {
    const at = now.toISOString();
    return this.commit(() => ({
      released: this.statement(LEDGER_SQL.releaseOrphans).run(at, issue, list, at).changes,
      unknown: this.statement(LEDGER_SQL.orphansUnknown).run(INTERRUPTED, at, issue, list, at).changes,
    }));
  }

  claim(issue: string, list: string, workerId: string, limit: number, now: Date): Promise<Delivery[]> {
    const at = now.toISOString();
    return this.commit(() => {
      const rows = this.statement(LEDGER_SQL.claimable).all(issue, list, at, limit) as ClaimableRow[];
      // The state guard keeps a row from being taken twice, even if the lock were not held.
      const mark = this.statement(LEDGER_SQL.claim);
      return rows
        .filter((row) => mark.run(workerId, at, issue, list, row.email).changes === 1)
        .map(({ subscriberId, subscribedAt, ...row }) => ({
          ...row,
          attempts: row.attempts + 1,
          ...(subscriberId === null ? {} : { subscriberId }),
          ...(subscribedAt === null ? {} : { subscribedAt }),
        }));
    });
  }

  begin(issue: string, list: string, email: string, workerId: string): Promise<boolean> {
    return this.commit(
      () =>
        this.statement(LEDGER_SQL.begin).run(new Date().toISOString(), issue, list, email, workerId)
          .changes === 1,
    );
  }

  finish(
    issue: string,
    list: string,
    email: string,
    workerId: string,
    state: DeliveryOutcome,
    detail?: string,
  ): Promise<void> {
    return this.commit(() => {
      this.statement(LEDGER_SQL.finish).run(
        state,
        detail ?? null,
        new Date().toISOString(),
        issue,
        list,
        email,
        workerId,
      );
    });
  }

  retryLater(
    issue: string,
    list: string,
    email: string,
    workerId: string,
    detail: string,
    notBefore: Date,
  ): Promise<void> {
    return this.commit(() => {
      this.statement(LEDGER_SQL.retryLater).run(
        detail,
        notBefore.toISOString(),
        new Date().toISOString(),
        issue,
        list,
        email,
        workerId,
      );
    });
  }

  async nextPendingAt(issue: string, list: string): Promise<Date | undefined> {
    const due = this.statement(LEDGER_SQL.nextDue).get(issue, list) as { at: string | null; n: number };
    const held = this.statement(LEDGER_SQL.nextLeaseEnd).get(issue, list) as { at: string | null; n: number };
    // '' (a row with no time, or no holder) is the epoch: due since ever.
    const times = [due, held].filter((row) => row.n > 0).map((row) => (row.at ? Date.parse(row.at) : 0));
    return times.length ? new Date(Math.min(...times)) : undefined;
  }

  reserveSlots(
    account: string,
    count: number,
    now: Date,
    gapMs: number,
    window?: { messages: number; ms: number },
  ): Promise<Date[]> {
    const nowMs = now.getTime();
    return this.commit(() => {
      const pacing = this.statement(LEDGER_SQL.pacing).get(account) as { next_at: string } | undefined;
      const history = window
        ? (
            this.statement(LEDGER_SQL.recentSlots).all(
              account,
              new Date(nowMs - window.ms).toISOString(),
              window.messages,
            ) as { at: string }[]
          )
            .map((row) => Date.parse(row.at))
            .reverse()
        : [];
      const pacer = new Pacer({
        gapMs,
        ...(window ? { window, history } : {}),
        ...(pacing ? { nextSlot: Date.parse(pacing.next_at) } : {}),
        now: () => nowMs,
      });
      const slots = Array.from({ length: count }, () => new Date(nowMs + pacer.reserve()));
      this.statement(LEDGER_SQL.setPacing).run(account, new Date(pacer.next).toISOString());
      const add = this.statement(LEDGER_SQL.addSlot);
      for (const slot of slots) add.run(account, slot.toISOString());
      const keep = Math.max(KEEP_SLOTS_MS, window?.ms ?? 0);
      this.statement(LEDGER_SQL.purgeSlots).run(account, new Date(nowMs - keep).toISOString());
      return slots;
    });
  }

  requeueUnknown(issue: string, list: string): Promise<number> {
    return this.commit(
      () => this.statement(LEDGER_SQL.requeueUnknown).run(new Date().toISOString(), issue, list).changes,
    );
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
    this.committer.flush();
    this.db.close();
  }
}
