/**
 * The send ledger as dispatch needs it (owned here; the engines live in src/store/): one row per
 * (issue, list, subscriber), committed around each SMTP transaction, so a resumed send knows exactly
 * who has the message. (listmonk's complaint: a checkpoint that advances when a batch is fetched, not
 * when it is sent, skips or repeats people.)
 *
 * Several workers (processes, machines) may share one send: each holds a lease, renewed by heartbeat.
 * States: pending -> claimed (held by a worker, not yet handed to SMTP) -> sending (handed over,
 * outcome not yet recorded) -> sent | failed | unknown | skipped. When a worker's lease runs out, its
 * claimed rows go back to pending (nobody had them) and its sending rows become unknown (never resent
 * without --resend-unknown).
 */
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

/** An outcome a worker records for a row it holds. */
export type DeliveryOutcome = 'sent' | 'failed' | 'unknown' | 'skipped';

export interface Delivery {
  email: string;
  name: string | null;
  /** Attempts counting the one about to be made (the stored count grows when it begins). */
  attempts: number;
  /**
   * The subscriber's id, read with the claim (no query of its own per message), for the bounce token;
   * absent when the address is no longer in the subscriber table.
   */
  subscriberId?: number;
  /**
   * When the person subscribed to this list themselves (ISO 8601), for the footer's "because you subscribed
   * on ...": read with the claim. Only a subscription they gave (SELF_SUBSCRIBED_SOURCES); absent for one
   * that came by import or the CLI, whose date is when the comms team added them, not when they chose to.
   */
  subscribedAt?: string;
}

/** The consent sources by which a person subscribed themselves: the form's confirmation, the preferences page. */
export const SELF_SUBSCRIBED_SOURCES = ['double-opt-in', 'preferences'] as const;

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
  /** Rows whose `worker` is this one. */
  counts: Record<DeliveryState, number>;
}

export interface SendLedger {
  /** Adds a pending row for each recipient not yet in the ledger of this send; concurrent-safe, idempotent. */
  enqueue(
    issue: string,
    list: string,
    recipients: AsyncIterable<{ email: string; name: string | null }>,
  ): Promise<number>;
  join(issue: string, list: string, worker: WorkerIdentity, now: Date, leaseUntil: Date): Promise<void>;
  heartbeat(workerId: string, now: Date, leaseUntil: Date): Promise<void>;
  /** Ends this worker's lease now (a worker known dead: same host, pid gone), so its rows are recovered at once. */
  expire(workerId: string, now: Date): Promise<void>;
  /** Clean stop: its unstarted claimed rows back to pending, stopped_at set. */
  leave(workerId: string, now: Date): Promise<void>;
  /**
   * Rows of workers whose lease ended by `now` (and rows no live worker holds): claimed -> pending,
   * sending -> unknown (detail says why).
   */
  recoverExpired(issue: string, list: string, now: Date): Promise<{ released: number; unknown: number }>;
  /** Up to `limit` pending rows due by `now` -> claimed by the worker, in address order. */
  claim(issue: string, list: string, workerId: string, limit: number, now: Date): Promise<Delivery[]>;
  /** claimed (by this worker) -> sending, committed before the message is handed to SMTP; false if not held. */
  begin(issue: string, list: string, email: string, workerId: string): Promise<boolean>;
  finish(
    issue: string,
    list: string,
    email: string,
    workerId: string,
    state: DeliveryOutcome,
    detail?: string,
  ): Promise<void>;
  /** Puts a row back to pending after a transient failure, not to be claimed before `notBefore`. */
  retryLater(
    issue: string,
    list: string,
    email: string,
    workerId: string,
    detail: string,
    notBefore: Date,
  ): Promise<void>;
  /**
   * When work may next appear: min(not_before of pending rows, lease_until of workers holding
   * claimed/sending rows); undefined when nothing is pending, claimed or sending. The instant itself,
   * never clamped to a clock: one at or before the caller's now means work is due now; a pending row
   * with no not_before, or a held row with no worker, gives the epoch (due since ever).
   */
  nextPendingAt(issue: string, list: string): Promise<Date | undefined>;
  /**
   * Global pacing across workers and processes for one account (the SMTP account): the times at which
   * each of `count` messages may be handed over, at least `gapMs` apart from every other grant, and with
   * `window`, never more than window.messages grants in any window.ms (earlier grants count). Atomic.
   */
  reserveSlots(
    account: string,
    count: number,
    now: Date,
    gapMs: number,
    window?: { messages: number; ms: number },
  ): Promise<Date[]>;
  /** Deliberately resends messages whose outcome was unknown. */
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

/** Every state at zero: the shape of a send nobody has started. */
export function emptyCounts(): Record<DeliveryState, number> {
  return Object.fromEntries(DELIVERY_STATES.map((state) => [state, 0])) as Record<DeliveryState, number>;
}

/** One count of rows in a state, as every engine's GROUP BY gives it. */
export interface StateCount {
  state: DeliveryState;
  count: number;
}

/** `counts()` from the engine's rows grouped by list and state: every state present, zero if none. */
export function countsByList(
  rows: readonly (StateCount & { list: string })[],
): Record<string, Record<DeliveryState, number>> {
  const result: Record<string, Record<DeliveryState, number>> = {};
  for (const row of rows) {
    result[row.list] ??= emptyCounts();
    result[row.list]![row.state] = row.count;
  }
  return result;
}

/** `workers()` from the engine's worker rows and its rows grouped by worker and state. */
export function workersWithCounts(
  workers: readonly Omit<SendWorker, 'counts'>[],
  counts: readonly (StateCount & { worker: string })[],
): SendWorker[] {
  return workers.map((worker) => {
    const own = emptyCounts();
    for (const row of counts) if (row.worker === worker.id) own[row.state] = row.count;
    return { ...worker, counts: own };
  });
}
