import type pg from 'pg';
import {
  countsByList,
  type Delivery,
  type DeliveryState,
  type SendLedger,
  type SendWorker,
  type StateCount,
  type WorkerIdentity,
  workersWithCounts,
} from '../../dispatch/ledger.js';
import { RowGroupCommit } from './group-commit.js';
import { inTransaction } from './pool.js';
import { LEDGER_SQL as SQL } from './queries.js';
import { grantSlots } from '../pacing-slots.js';

const BATCH = 1000;
/** Rows enqueued at once from which the table's statistics are refreshed (as autovacuum would, later). */
const ANALYZE_FROM_ROWS = 500;
const STOPPED_DURING =
  "the sending worker stopped during this message (its lease ran out before it recorded the SMTP server's answer)";

type Counts = Record<DeliveryState, number>;
type ClaimedRow = Delivery & { subscriber_id: string | null; subscribed_at: string | null };

interface RowChange {
  issue: string;
  list: string;
  email: string;
  worker: string;
  at: Date;
}

type FinishStep = RowChange & { kind: 'finish'; state: string; detail: string | null };
/** A change the send loop makes to a row it holds: its start, or its outcome. */
type Step = (RowChange & { kind: 'begin' }) | FinishStep;

const keyOf = (row: { issue: string; list: string; email: string }) =>
  `${row.issue}\n${row.list}\n${row.email}`;
const rowKeyOf = (row: { issue: string; list_id: string; email: string }) =>
  keyOf({ issue: row.issue, list: row.list_id, email: row.email });

/**
 * A statement of the send loop's hot path as a named (prepared) one: each connection parses and
 * plans it once, not on every batch.
 */
function named(name: keyof typeof SQL, values: unknown[]): pg.QueryConfig {
  return { name: `ledger.${name}`, text: SQL[name], values };
}

/** The items as one array per column, the parameters of an `unnest(...)` statement. */
function columns<T>(items: T[], names: (keyof T)[]): unknown[][] {
  return names.map((name) => items.map((item) => item[name]));
}

/**
 * The send ledger on PostgreSQL, shared by every worker of a send: each claims small batches with
 * FOR UPDATE SKIP LOCKED (no row twice, nobody waits for another's batch), under a lease in
 * `send_workers` that its heartbeat renews. Every change commits before the step it guards.
 */
export class PostgresSendLedger implements SendLedger {
  /**
   * Begins and outcomes of the messages in flight share commits (group-commit.ts): one statement
   * for a batch of both, so a message's outcome and the next message's start go in one commit.
   */
  private readonly steps: RowGroupCommit<Step, boolean>;
  /** Per send and worker, the greatest address it has claimed: where its next claim starts looking. */
  private readonly claimedUpTo = new Map<string, string>();

  constructor(private readonly pool: pg.Pool) {
    this.steps = new RowGroupCommit<Step, boolean>(async (items) => {
      const finishes = items.filter((item): item is FinishStep => item.kind === 'finish');
      const begins = items.filter((item) => item.kind === 'begin');
      const { rows } = await this.pool.query(
        named('stepMany', [
          ...columns(finishes, ['issue', 'list', 'email', 'worker', 'state', 'detail', 'at']),
          ...columns(begins, ['issue', 'list', 'email', 'worker', 'at']),
        ]),
      );
      const held = new Set((rows as { issue: string; list_id: string; email: string }[]).map(rowKeyOf));
      // A begin's answer is whether the row was held; an outcome's is not read.
      return items.map((item) => item.kind === 'begin' && held.has(keyOf(item)));
    }, keyOf);
  }

  async enqueue(
    issue: string,
    list: string,
    recipients: AsyncIterable<{ email: string; name: string | null }>,
  ): Promise<number> {
    const now = new Date();
    let added = 0;
    let emails: string[] = [];
    let names: (string | null)[] = [];
    const flush = async () => {
      if (emails.length > 0)
        added += (await this.pool.query(SQL.enqueue, [issue, list, now, emails, names])).rowCount ?? 0;
      emails = [];
      names = [];
    };
    for await (const recipient of recipients) {
      emails.push(recipient.email);
      names.push(recipient.name);
      if (emails.length === BATCH) await flush();
    }
    await flush();
    await this.analyzeForSend(added);
    return added;
  }

  /**
   * Fresh statistics for the planner before the send's statements are planned (and their plans
   * cached per connection). Without them a send's first claims are planned as if its rows were not
   * there yet, and step through every row of the send to update the few claimed; and a list
   * imported a moment ago looks empty, so the claim and the sendable check read all its
   * memberships for every message. Autovacuum would analyse these tables too, but a minute later.
   */
  private async analyzeForSend(added: number): Promise<void> {
    const { rows } = await this.pool.query(SQL.staleStatistics);
    const tables = (rows as { name: string }[]).map((row) => row.name);
    // This send's own rows are not counted by the server until this session reports them.
    if (added >= ANALYZE_FROM_ROWS) tables.push('deliveries');
    // The names come from the server's catalogue, of tables named in staleStatistics.
    if (tables.length > 0) await this.pool.query(`ANALYZE ${tables.join(', ')}`);
  }

  async join(
    issue: string,
    list: string,
    worker: WorkerIdentity,
    now: Date,
    leaseUntil: Date,
  ): Promise<void> {
    await this.pool.query(SQL.join, [worker.id, issue, list, worker.host, worker.pid, now, leaseUntil]);
  }

  async heartbeat(workerId: string, now: Date, leaseUntil: Date): Promise<void> {
    await this.pool.query(SQL.heartbeat, [workerId, now, leaseUntil]);
  }

  async expire(workerId: string, now: Date): Promise<void> {
    await this.pool.query(SQL.expire, [workerId, now]);
  }

  async leave(workerId: string, now: Date): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query(SQL.releaseOwn, [workerId, now]);
      await client.query(SQL.stop, [workerId, now]);
    });
  }

  async recoverExpired(
    issue: string,
    list: string,
    now: Date,
  ): Promise<{ released: number; unknown: number }> {
    return inTransaction(this.pool, async (client) => {
      const released = (await client.query(SQL.releaseOrphans, [issue, list, now])).rowCount ?? 0;
      const unknown =
        (await client.query(SQL.orphansUnknown, [issue, list, now, STOPPED_DURING])).rowCount ?? 0;
      return { released, unknown };
    });
  }

  async claim(issue: string, list: string, workerId: string, limit: number, now: Date): Promise<Delivery[]> {
    const key = keyOf({ issue, list, email: workerId });
    const after = this.claimedUpTo.get(key) ?? '';
    let rows = await this.claimAfter(issue, list, workerId, limit, now, after);
    // Rows before the cursor are pending again only now and then (a retry come due, a row given
    // back by a worker that left or died): looked for when the rows after it run short.
    if (rows.length < limit && after !== '')
      rows = rows.concat(await this.claimAfter(issue, list, workerId, limit - rows.length, now, ''));
    let last = '';
    for (const row of rows) if (row.email > last) last = row.email;
    if (last === '') this.claimedUpTo.delete(key);
    else this.claimedUpTo.set(key, last);
    // The attempt this claim is for; `begin` records it when the message is handed over.
    // The subscriber's id comes with the claim, for the bounce token: no query of its own per message.
    return rows
      .map((row) => ({
        email: row.email,
        name: row.name,
        attempts: row.attempts + 1,
        ...(row.subscriber_id === null ? {} : { subscriberId: Number(row.subscriber_id) }),
        ...(row.subscribed_at === null ? {} : { subscribedAt: row.subscribed_at }),
      }))
      .sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
  }

  private async claimAfter(
    issue: string,
    list: string,
    workerId: string,
    limit: number,
    now: Date,
    after: string,
  ): Promise<ClaimedRow[]> {
    return (await this.pool.query(named('claim', [issue, list, workerId, limit, now, after]))).rows;
  }

  async begin(issue: string, list: string, email: string, workerId: string): Promise<boolean> {
    return this.steps.run({ kind: 'begin', issue, list, email, worker: workerId, at: new Date() });
  }

  async finish(
    issue: string,
    list: string,
    email: string,
    workerId: string,
    state: 'sent' | 'failed' | 'unknown' | 'skipped',
    detail?: string,
  ): Promise<void> {
    await this.steps.run({
      kind: 'finish',
      issue,
      list,
      email,
      worker: workerId,
      state,
      detail: detail ?? null,
      at: new Date(),
    });
  }

  async retryLater(
    issue: string,
    list: string,
    email: string,
    workerId: string,
    detail: string,
    notBefore: Date,
  ): Promise<void> {
    await this.pool.query(SQL.retryLater, [issue, list, email, workerId, detail, notBefore, new Date()]);
  }

  async nextPendingAt(issue: string, list: string): Promise<Date | undefined> {
    const times: number[] = [];
    for (const query of [SQL.pendingAt, SQL.heldUntil]) {
      const row = (await this.pool.query(query, [issue, list])).rows[0] as { at: string | null; n: number };
      // As on SQLite, a past time is returned as it is (the caller's clock decides it is due); a row
      // with no time, or no holder, reads back as the epoch: due since ever.
      if (row.n > 0) times.push(Date.parse(row.at ?? '') || 0);
    }
    return times.length > 0 ? new Date(Math.min(...times)) : undefined;
  }

  async reserveSlots(
    account: string,
    count: number,
    now: Date,
    gapMs: number,
    window?: { messages: number; ms: number },
  ): Promise<Date[]> {
    if (count <= 0) return [];
    if (!window) {
      // Evenly spaced: one statement moves the account's next time on and returns where its grants
      // start (a new account's first at `now`), so the same instants as grantSlots, in one round trip.
      // Times are whole milliseconds, as a Date keeps them.
      const span = Math.floor(count * gapMs);
      const { rows } = await this.pool.query(named('advancePacing', [account, now, span]));
      const first = Date.parse(rows[0].first_at);
      return Array.from({ length: count }, (_, i) => new Date(first + i * gapMs));
    }
    return inTransaction(this.pool, async (client) => {
      // The row lock makes every reservation for the account wait for the one before it.
      const nextAt = Date.parse((await client.query(named('lockPacing', [account, now]))).rows[0].next_at);
      let earlier: number[] = [];
      if (window) {
        await client.query(SQL.forgetSlots, [account, new Date(now.getTime() - window.ms)]);
        earlier = (await client.query(SQL.slots, [account])).rows.map((row: { at: string }) =>
          Date.parse(row.at),
        );
      }
      const granted = grantSlots({ count, now: now.getTime(), nextAt, gapMs, window, earlier });
      if (granted.length === 0) return [];
      await client.query(named('setPacing', [account, new Date(granted.at(-1)! + gapMs)]));
      if (window) await client.query(SQL.addSlots, [account, granted.map((at) => new Date(at))]);
      return granted.map((at) => new Date(at));
    });
  }

  async requeueUnknown(issue: string, list: string): Promise<number> {
    return (await this.pool.query(SQL.requeueUnknown, [issue, list, new Date()])).rowCount ?? 0;
  }

  async counts(issue: string, list?: string): Promise<Record<string, Counts>> {
    const { rows } = await this.pool.query(SQL.counts, [issue, list ?? null]);
    return countsByList(rows as (StateCount & { list: string })[]);
  }

  async rows(issue: string, list: string, state?: DeliveryState) {
    const { rows } = await this.pool.query(SQL.rows, [issue, list, state ?? null]);
    return rows as { email: string; state: DeliveryState; attempts: number; detail: string | null }[];
  }

  async workers(issue: string, list: string): Promise<SendWorker[]> {
    const workers = (await this.pool.query(SQL.workers, [issue, list])).rows as Omit<SendWorker, 'counts'>[];
    const counts = (await this.pool.query(SQL.workerCounts, [issue, list])).rows;
    return workersWithCounts(workers, counts as (StateCount & { worker: string })[]);
  }

  /** The pool belongs to the Stores that made this ledger: closed there, once. */
  async close(): Promise<void> {}
}
