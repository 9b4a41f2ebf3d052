import { setMaxListeners } from 'node:events';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { Config } from '../content/model.js';
import type { SubscriberStore } from '../subscribers/store.js';
import { classify, describe } from './classify.js';
import { ClaimQueue, type Slotted } from './claim-queue.js';
import { type Delivery, type DeliveryState, emptyCounts, type SendLedger } from './ledger.js';
import { pause } from './pacer.js';
import { SendableCheck } from './sendable-check.js';
import type { Transport } from './transports.js';
import { expireDeadNeighbours, leaseMsFromEnv, WorkerLease } from './worker-lease.js';
import { awaitedLater } from '../support/errors.js';

export { classify } from './classify.js';

export interface SendJob {
  issue: string;
  list: string;
  /** Makes one subscriber's message (the per-recipient fill); the id, when known, is for the bounce token. */
  message(to: {
    email: string;
    name: string | null;
    subscriberId?: number;
    subscribedAt?: string;
  }): Mail.Options;
}

export interface SendSettings {
  /**
   * Messages in flight at once, each from its slot to its recorded outcome: for a transport of N
   * connections, `inFlightFor(N)`, so that its pool has the next messages ready.
   */
  concurrency: number;
  /** Messages per second at most. */
  rate: number;
  /**
   * And at most this many messages in any sliding window of `ms` (a provider's hourly or daily cap), counting
   * earlier sends.
   */
  window?: { messages: number; ms: number };
  /** Attempts per message for transient failures (4xx, network) before it is recorded as failed. */
  maxAttempts: number;
  /** First retry delay; each later one doubles, with jitter. */
  retryBaseMs: number;
  /** This many failures in a row pause the send instead of burning through the list. */
  pauseAfterFailures: number;
  resendUnknown?: boolean;
  signal?: AbortSignal;
  /** How long this worker's hold on its rows lasts without a heartbeat (default BULLETIN_SEND_LEASE_MS, 30 s). */
  leaseMs?: number;
  /** Once the ledger is ready: how many messages this run has to send, and the ledger so far. */
  onStart?(plan: { toSend: number; counts: Record<DeliveryState, number> }): void;
  onProgress?(event: { email: string; state: DeliveryState | 'retry'; detail?: string }): void;
  /** The send is holding back for the sliding-window cap until `until`. */
  onWait?(until: Date): void;
}

export interface SendSummary {
  counts: Record<DeliveryState, number>;
  /** Why the send stopped early, if it did (paused, interrupted). */
  stopped?: string;
  /** Rows found left `sending` by a worker that stopped (an earlier run, or another worker that died). */
  interrupted: number;
}

/**
 * Messages kept handed over per SMTP connection. A message goes to the transport only once its
 * `sending` row is committed (an fsync, or a PostgreSQL round trip); with one message per connection
 * each connection sat idle through that commit, and `bulletin send` ran at 0.6x raw nodemailer.
 * Three deep, the next messages' commits overlap the one on the wire (bench: 2 deep 0.84-0.93x,
 * 3 deep 1.2x). The price: a crash of a fast send leaves up to three per connection `unknown`
 * instead of one (a paced send begins each message only at its slot, so fewer).
 */
export const IN_FLIGHT_PER_CONNECTION = 3;

/** Messages in flight for a transport of `connections` connections. */
export function inFlightFor(connections: number): number {
  return Math.max(1, connections) * IN_FLIGHT_PER_CONNECTION;
}

/** The pacing and retry settings `dispatch:` in the config asks for; a caller's flags go on top. */
export function settingsFromConfig(
  dispatch: Config['dispatch'],
): Pick<
  SendSettings,
  'concurrency' | 'rate' | 'window' | 'maxAttempts' | 'retryBaseMs' | 'pauseAfterFailures'
> {
  return {
    concurrency: inFlightFor(dispatch.concurrency),
    rate: dispatch.rate,
    ...(dispatch.window
      ? { window: { messages: dispatch.window.messages, ms: dispatch.window.hours * 3_600_000 } }
      : {}),
    maxAttempts: dispatch.retries + 1,
    retryBaseMs: 1000,
    pauseAfterFailures: dispatch.pauseAfterFailures,
  };
}

/**
 * How late a slot may be taken up as it is. From 50 ms between two messages, by up to the gap. Below
 * that, by up to 200 ms: a slot is commonly a few gaps late there (the event loop, the commit before
 * it), and exchanging each would cost a commit; but a process held up longer (measured: 0.7 s on a
 * loaded CI machine) would otherwise send every slot it missed at once, a second's messages at 40 a
 * second, on top of the other workers' own.
 */
function lateSlotAllowanceMs(gapMs: number): number {
  return gapMs >= 50 ? gapMs : 200;
}

/**
 * Rows claimed at a time: at least one per message in flight, up to half a second's worth at the
 * rate, so that a claim's round trips (the claim, the sendable check, the pacing) are shared by
 * many messages on a fast send, yet every row's turn comes while its sendable answer is fresh
 * (SENDABLE_FRESH_MS) and a worker never holds many rows another could be sending.
 */
export function claimBatch(concurrency: number, rate: number): number {
  const inFlight = Math.max(1, concurrency);
  return Math.min(4 * inFlight, Math.max(inFlight, Math.ceil(rate / 2)));
}

/** The commit of a message's outcome, wrapped so that awaiting the step does not await the commit. */
interface Recorded {
  recorded: Promise<void>;
}

/**
 * Sends one issue to one list, resumably, as one of any number of workers sharing the send. The
 * worker joins with a lease, recovers what dead workers left (claimed rows back to pending, rows
 * in flight to unknown), then each of its `concurrency` loops takes a claimed row with its slot
 * from the global pacing (claim-queue.ts), waits for the slot, checks the address is still
 * sendable, marks the row `sending` (committed), hands the message to the transport and records
 * the outcome. The outcome of one message and the start of the next go to disk in the same group
 * commit. When nothing can be claimed, the worker waits for retries and for rows other workers
 * hold, until the send is done.
 */
export async function runSend(
  job: SendJob,
  store: SubscriberStore,
  ledger: SendLedger,
  transport: Transport,
  settings: SendSettings,
): Promise<SendSummary> {
  const { issue, list } = job;
  const halt = new AbortController();
  const loops = Math.max(1, settings.concurrency);
  // Each loop listens for the stop while it waits (its slot, a row settling): one listener each,
  // not a leak, which Node would otherwise warn of past ten loops.
  setMaxListeners(loops + 10, halt.signal);
  const signal = settings.signal;
  const onAbort = () => halt.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) halt.abort();
  let stopped: string | undefined;
  let fatal: unknown;
  const fail = (error: unknown) => {
    fatal ??= error;
    stopped ??= 'stopped on an error';
    halt.abort();
  };
  const lease = await WorkerLease.join(ledger, issue, list, settings.leaseMs ?? leaseMsFromEnv(), fail);
  const self = lease.identity;
  let interrupted = 0;
  /** Frees what dead workers hold; says whether rows came back to be sent. */
  const recover = async (neighbours: boolean): Promise<boolean> => {
    if (neighbours) await expireDeadNeighbours(ledger, issue, list, self, new Date());
    const recovered = await ledger.recoverExpired(issue, list, new Date());
    interrupted += recovered.unknown;
    return recovered.released > 0;
  };
  const gapMs = 1000 / Math.max(settings.rate, 0.001);
  const sendable = new SendableCheck(store, list);
  const queue = new ClaimQueue({
    ledger,
    issue,
    list,
    workerId: self.id,
    account: transport.account ?? transport.name,
    batch: claimBatch(settings.concurrency, settings.rate),
    gapMs,
    ...(settings.window ? { window: settings.window } : {}),
    onClaimed: (deliveries) => sendable.prefetch(deliveries.map((delivery) => delivery.email)),
  });
  let failuresInARow = 0;
  let pausedForFailures = false;
  /**
   * A slot missed by more than its allowance (this process was held up: a busy disk, a starved CPU)
   * is exchanged for a fresh one, so the delay does not come out as a burst above the rate. Not under
   * a window cap: a grant given up there is one message fewer in the window.
   */
  const reslot = !settings.window;
  const allowanceMs = lateSlotAllowanceMs(gapMs);

  const record = (email: string, state: 'sent' | 'failed' | 'unknown' | 'skipped', detail?: string) =>
    ledger.finish(issue, list, email, self.id, state, detail);

  /**
   * Sends one message whose row is `sending`; returns (not awaited) the commit of its outcome, which
   * the start of the next message shares.
   */
  const deliver = async (delivery: Delivery): Promise<Recorded> => {
    try {
      const { response } = await transport.send(job.message(delivery));
      failuresInARow = 0;
      settings.onProgress?.({ email: delivery.email, state: 'sent' });
      return { recorded: record(delivery.email, 'sent', response.slice(0, 200)) };
    } catch (error) {
      const detail = describe(error);
      const outcome = classify(error);
      if (++failuresInARow >= settings.pauseAfterFailures && !pausedForFailures) {
        pausedForFailures = true;
        stopped ??= `paused after ${failuresInARow} failures in a row (last: ${detail}); check the mail server, then run the same send again to resume`;
        halt.abort();
      }
      // Failures that pause the send, and those of the messages still in flight then, say more about
      // the server (a relay refusing everyone) than about their addresses: none is marked bounced or
      // failed; each waits, pending, for the run that resumes.
      if (pausedForFailures && outcome !== 'unknown') {
        settings.onProgress?.({ email: delivery.email, state: 'retry', detail });
        return { recorded: ledger.retryLater(issue, list, delivery.email, self.id, detail, new Date()) };
      }
      if (outcome === 'transient' && delivery.attempts < settings.maxAttempts) {
        const delay = settings.retryBaseMs * 2 ** (delivery.attempts - 1) * (0.5 + Math.random());
        settings.onProgress?.({ email: delivery.email, state: 'retry', detail });
        const notBefore = new Date(Date.now() + delay);
        return { recorded: ledger.retryLater(issue, list, delivery.email, self.id, detail, notBefore) };
      }
      if (outcome === 'unknown') {
        settings.onProgress?.({ email: delivery.email, state: 'unknown', detail });
        return { recorded: record(delivery.email, 'unknown', detail) };
      }
      if (outcome === 'permanent')
        await store.setStatus(delivery.email, list, 'bounced', { source: `smtp: ${detail.slice(0, 120)}` });
      settings.onProgress?.({ email: delivery.email, state: 'failed', detail });
      return { recorded: record(delivery.email, 'failed', detail) };
    }
  };

  /**
   * One taken row, from its slot to its recorded outcome (the commit, not awaited). When the send
   * stopped first, the row is still claimed, and leaving gives it back.
   */
  const handle = async ({ delivery, at: slot }: Slotted, previous: Promise<void>): Promise<Recorded> => {
    for (let at = slot; ; at = await queue.reslot()) {
      const wait = at - Date.now();
      if (wait > 1000) settings.onWait?.(new Date(at));
      if (!(await pause(wait, halt.signal)) || halt.signal.aborted) return { recorded: previous };
      if (!reslot || Date.now() - at <= allowanceMs) break;
    }
    // An unsubscribe that arrived since the send began wins over the queue.
    if (!(await sendable.isSendable(delivery.email))) {
      settings.onProgress?.({ email: delivery.email, state: 'skipped' });
      const skipped = record(delivery.email, 'skipped', 'no longer subscribed when its turn came');
      return { recorded: Promise.all([previous, skipped]).then(() => undefined) };
    }
    const [, begun] = await Promise.all([previous, ledger.begin(issue, list, delivery.email, self.id)]);
    // Not ours any more: this worker's lease ran out and another worker recovered the row.
    if (!begun) return { recorded: Promise.resolve() };
    return deliver(delivery);
  };

  /**
   * Nothing to claim now: recovers rows of dead workers, then waits for what comes next (a retry
   * coming due, a row of this worker settling, another worker's lease running out). False when the
   * send is done or stopped.
   */
  const waitForWork = async (): Promise<boolean> => {
    // Rows held elsewhere are another worker's: a dead neighbour's are then worth looking for.
    if (await recover(queue.inFlight === 0)) return true;
    const next = await ledger.nextPendingAt(issue, list);
    if (!next) return false;
    const ms = Math.min(Math.max(next.getTime() - Date.now(), 10), 1000);
    await queue.settled(ms, halt.signal);
    return !halt.signal.aborted;
  };

  const loop = async () => {
    let recorded: Promise<void> = Promise.resolve();
    try {
      while (!halt.signal.aborted) {
        const next = await queue.take();
        if (!next) {
          if (!(await waitForWork())) break;
          continue;
        }
        try {
          ({ recorded } = await handle(next, recorded));
          // Awaited with the next message's start; until then a failed commit must not count as unhandled.
          awaitedLater(recorded);
        } finally {
          queue.settle();
        }
      }
      await recorded;
    } catch (error) {
      fail(error);
    }
  };

  try {
    await recover(true);
    if (settings.resendUnknown) await ledger.requeueUnknown(issue, list);
    await ledger.enqueue(issue, list, store.recipients(list));
    const before = (await ledger.counts(issue, list))[list] ?? emptyCounts();
    settings.onStart?.({ toSend: before.pending, counts: before });
    await Promise.all(Array.from({ length: loops }, loop));
    await queue.quiesce();
  } catch (error) {
    // The rows this worker holds come back when its lease runs out (at once for a run on this machine).
    lease.stop();
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (fatal) {
    lease.stop();
    throw fatal;
  }
  await lease.leave();
  if (signal?.aborted) stopped ??= 'interrupted: in-flight messages finished, nothing new was started';
  const counts = (await ledger.counts(issue, list))[list] ?? emptyCounts();
  return { counts, interrupted, ...(stopped ? { stopped } : {}) };
}
