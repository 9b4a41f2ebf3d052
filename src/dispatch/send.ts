import type Mail from 'nodemailer/lib/mailer/index.js';
import type { Config } from '../content/model.js';
import type { SubscriberStore } from '../subscribers/store.js';
import { classify, describe } from './classify.js';
import type { Delivery, DeliveryState, SendLedgerV1 as SendLedger } from './ledger.js';
import { Pacer, pause } from './pacer.js';
import type { Transport } from './transports.js';
import { awaitedLater } from '../support/errors.js';

export { classify } from './classify.js';

export interface SendJob {
  issue: string;
  list: string;
  /** Makes one subscriber's message (the per-recipient fill). */
  message(to: { email: string; name: string | null }): Mail.Options;
}

export interface SendSettings {
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
  /** Once the ledger is ready: how many messages this run has to send, and the ledger so far. */
  onStart?(plan: { toSend: number; counts: Record<DeliveryState, number> }): void;
  onProgress?(event: {
    email: string;
    state: Exclude<DeliveryState, 'claimed'> | 'retry';
    detail?: string;
  }): void;
  /** The send is holding back for the sliding-window cap until `until`. */
  onWait?(until: Date): void;
}

export interface SendSummary {
  counts: Record<DeliveryState, number>;
  /** Why the send stopped early, if it did (paused, interrupted). */
  stopped?: string;
  /** Rows found left `sending` by an earlier run: unknown outcome, not resent. */
  interrupted: number;
}

/** The pacing and retry settings `dispatch:` in the config asks for; a caller's flags go on top. */
export function settingsFromConfig(
  dispatch: Config['dispatch'],
): Pick<
  SendSettings,
  'concurrency' | 'rate' | 'window' | 'maxAttempts' | 'retryBaseMs' | 'pauseAfterFailures'
> {
  return {
    concurrency: dispatch.concurrency,
    rate: dispatch.rate,
    ...(dispatch.window
      ? { window: { messages: dispatch.window.messages, ms: dispatch.window.hours * 3_600_000 } }
      : {}),
    maxAttempts: dispatch.retries + 1,
    retryBaseMs: 1000,
    pauseAfterFailures: dispatch.pauseAfterFailures,
  };
}

const EMPTY_COUNTS: Record<DeliveryState, number> = {
  pending: 0,
  claimed: 0,
  sending: 0,
  sent: 0,
  failed: 0,
  unknown: 0,
  skipped: 0,
};

/**
 * Sends one issue to one list, resumably. Each worker loops: wait for a slot (rate and window
 * cap), claim the next row (`sending`, committed), check the address is still sendable, hand the
 * message to the transport, record the outcome. The outcome of one message and the claim of the
 * next go to disk in the same group commit, so the ledger costs about one fsync per message
 * batch, not two per message.
 */
export async function runSend(
  job: SendJob,
  store: SubscriberStore,
  ledger: SendLedger,
  transport: Transport,
  settings: SendSettings,
): Promise<SendSummary> {
  const { issue, list } = job;
  const interrupted = await ledger.markInterrupted(issue, list);
  if (settings.resendUnknown) await ledger.requeueUnknown(issue, list);
  await ledger.enqueue(issue, list, store.recipients(list));
  const before = (await ledger.counts(issue, list))[list] ?? EMPTY_COUNTS;
  settings.onStart?.({ toSend: before.pending, counts: before });

  const window = settings.window;
  const pacer = new Pacer({
    perSecond: settings.rate,
    ...(window ? { window, history: await ledger.recentSends(new Date(Date.now() - window.ms)) } : {}),
  });
  const signal = settings.signal;
  let stopped: string | undefined;
  let fatal: unknown;
  let failuresInARow = 0;

  /**
   * Sends one claimed message; returns (not awaited) the commit of its outcome, which the next claim shares.
   */
  const deliver = async (delivery: Delivery): Promise<{ recorded: Promise<void> }> => {
    // An unsubscribe that arrived since the send began wins over the queue.
    if (!(await store.isSendable(delivery.email, list))) {
      settings.onProgress?.({ email: delivery.email, state: 'skipped' });
      return {
        recorded: ledger.finish(
          issue,
          list,
          delivery.email,
          'skipped',
          'no longer subscribed when its turn came',
        ),
      };
    }
    try {
      const { response } = await transport.send(job.message(delivery));
      failuresInARow = 0;
      settings.onProgress?.({ email: delivery.email, state: 'sent' });
      return { recorded: ledger.finish(issue, list, delivery.email, 'sent', response.slice(0, 200)) };
    } catch (error) {
      const detail = describe(error);
      const outcome = classify(error);
      if (++failuresInARow >= settings.pauseAfterFailures) {
        stopped ??= `paused after ${failuresInARow} failures in a row (last: ${detail}); check the mail server, then run the same send again to resume`;
      }
      if (outcome === 'transient' && delivery.attempts < settings.maxAttempts) {
        const delay = settings.retryBaseMs * 2 ** (delivery.attempts - 1) * (0.5 + Math.random());
        settings.onProgress?.({ email: delivery.email, state: 'retry', detail });
        return {
          recorded: ledger.retryLater(issue, list, delivery.email, detail, new Date(Date.now() + delay)),
        };
      }
      if (outcome === 'unknown') {
        settings.onProgress?.({ email: delivery.email, state: 'unknown', detail });
        return { recorded: ledger.finish(issue, list, delivery.email, 'unknown', detail) };
      }
      if (outcome === 'permanent')
        await store.setStatus(delivery.email, list, 'bounced', { source: `smtp: ${detail.slice(0, 120)}` });
      settings.onProgress?.({ email: delivery.email, state: 'failed', detail });
      return { recorded: ledger.finish(issue, list, delivery.email, 'failed', detail) };
    }
  };

  /**
   * Waits for the next slot of the rate and the window cap. A long wait is taken a second at a
   * time, looking each time whether anything is still to send: a worker must not sit out an hour
   * of window cap only to find the list finished. False when there is nothing left or the send
   * was stopped. (Pacing before the claim, not after it, keeps a crash during a long wait from
   * leaving a claimed but unsent message in doubt.)
   */
  const waitForSlot = async (): Promise<boolean> => {
    const until = Date.now() + pacer.reserve();
    if (until - Date.now() > 1000) settings.onWait?.(new Date(until));
    for (let left = until - Date.now(); left > 0; left = until - Date.now()) {
      if (!(await ledger.nextPendingAt(issue, list))) return false;
      if (!(await pause(Math.min(left, 1000), signal))) return false;
    }
    return !signal?.aborted;
  };

  const worker = async () => {
    let recorded: Promise<void> = Promise.resolve();
    try {
      for (;;) {
        if (stopped || signal?.aborted) break;
        if (!(await waitForSlot())) break;
        const [, claimed] = await Promise.all([recorded, ledger.claim(issue, list, 1)]);
        const delivery = claimed[0];
        if (!delivery) {
          const next = await ledger.nextPendingAt(issue, list);
          if (!next) break;
          await pause(Math.min(Math.max(next.getTime() - Date.now(), 10), 1000), signal);
          continue;
        }
        ({ recorded } = await deliver(delivery));
        // Awaited with the next claim; until then a failed commit must not count as unhandled.
        awaitedLater(recorded);
      }
      await recorded;
    } catch (error) {
      fatal ??= error;
      stopped ??= 'stopped on an error';
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, settings.concurrency) }, worker));
  if (fatal) throw fatal;
  if (signal?.aborted) stopped ??= 'interrupted: in-flight messages finished, nothing new was started';
  const counts = (await ledger.counts(issue, list))[list] ?? { ...EMPTY_COUNTS };
  return { counts, interrupted, ...(stopped ? { stopped } : {}) };
}
