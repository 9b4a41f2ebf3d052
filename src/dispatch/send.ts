import type Mail from 'nodemailer/lib/mailer/index.js';
import type { SubscriberStore } from '../subscribers/store.js';
import type { DeliveryState, SendLedger } from './ledger.js';
import type { Transport } from './transports.js';

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
  /** Attempts per message for transient failures (4xx, network) before it is recorded as failed. */
  maxAttempts: number;
  /** First retry delay; each later one doubles, with jitter. */
  retryBaseMs: number;
  /** This many failures in a row pause the send instead of burning through the list. */
  pauseAfterFailures: number;
  resendUnknown?: boolean;
  signal?: AbortSignal;
  onProgress?(event: { email: string; state: DeliveryState | 'retry'; detail?: string }): void;
}

export interface SendSummary {
  counts: Record<DeliveryState, number>;
  /** Why the send stopped early, if it did (paused, interrupted). */
  stopped?: string;
  /** Rows found left `sending` by an earlier run: unknown outcome, not resent. */
  interrupted: number;
}

type Outcome = 'permanent' | 'transient' | 'unknown';

/**
 * How an SMTP error is treated: a 5xx reply is final (recorded, the address marked bounced); a
 * 4xx reply, or failing to connect at all, is worth retrying. A connection that broke or timed out
 * mid-conversation is different: nodemailer cannot say whether the message data had gone out
 * (it reports such a drop as "CONN" even after DATA), so its outcome is unknown, and such a
 * message is never resent by itself: it may well have arrived (Ghost's rule, per message).
 */
export function classify(error: unknown): Outcome {
  const e = error as { responseCode?: number; command?: string; code?: string; message?: string };
  if (typeof e.responseCode === 'number') return e.responseCode >= 500 ? 'permanent' : 'transient';
  const text = `${e.code ?? ''} ${e.message ?? ''}`;
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EDNS|greeting/i.test(text)) return 'transient';
  if (/^DATA/i.test(e.command ?? '') || /closed unexpectedly|ETIMEDOUT|ECONNRESET|EPIPE|timeout/i.test(text)) return 'unknown';
  return 'transient';
}

export async function runSend(job: SendJob, store: SubscriberStore, ledger: SendLedger, transport: Transport, settings: SendSettings): Promise<SendSummary> {
  const { issue, list } = job;
  const interrupted = await ledger.markInterrupted(issue, list);
  if (settings.resendUnknown) await ledger.requeueUnknown(issue, list);
  await ledger.enqueue(issue, list, store.recipients(list));

  let stopped: string | undefined;
  let failuresInARow = 0;
  let nextSlot = Date.now();
  const gap = 1000 / Math.max(settings.rate, 0.001);
  const takeSlot = async () => {
    const now = Date.now();
    nextSlot = Math.max(nextSlot, now);
    const wait = nextSlot - now;
    nextSlot += gap;
    if (wait > 0) await sleep(wait);
  };

  const worker = async () => {
    while (!stopped) {
      if (settings.signal?.aborted) {
        stopped ??= 'interrupted: in-flight messages finished, nothing new was started';
        return;
      }
      const [delivery] = await ledger.claim(issue, list, 1);
      if (!delivery) {
        const next = await ledger.nextPendingAt(issue, list);
        if (!next) return;
        await sleep(Math.min(Math.max(next.getTime() - Date.now(), 10), 1000));
        continue;
      }
      // An unsubscribe that arrived since the send began wins over the queue.
      if (!(await store.isSendable(delivery.email, list))) {
        await ledger.finish(issue, list, delivery.email, 'skipped', 'no longer subscribed when its turn came');
        settings.onProgress?.({ email: delivery.email, state: 'skipped' });
        continue;
      }
      await takeSlot();
      try {
        const { response } = await transport.send(job.message(delivery));
        await ledger.finish(issue, list, delivery.email, 'sent', response.slice(0, 200));
        failuresInARow = 0;
        settings.onProgress?.({ email: delivery.email, state: 'sent' });
      } catch (error) {
        const detail = describe(error);
        const outcome = classify(error);
        failuresInARow++;
        if (outcome === 'transient' && delivery.attempts < settings.maxAttempts) {
          const delay = settings.retryBaseMs * 2 ** (delivery.attempts - 1) * (0.5 + Math.random());
          await ledger.retryLater(issue, list, delivery.email, detail, new Date(Date.now() + delay));
          settings.onProgress?.({ email: delivery.email, state: 'retry', detail });
        } else if (outcome === 'unknown') {
          await ledger.finish(issue, list, delivery.email, 'unknown', detail);
          settings.onProgress?.({ email: delivery.email, state: 'unknown', detail });
        } else {
          await ledger.finish(issue, list, delivery.email, 'failed', detail);
          if (outcome === 'permanent') await store.setStatus(delivery.email, list, 'bounced', { source: `smtp: ${detail.slice(0, 120)}` });
          settings.onProgress?.({ email: delivery.email, state: 'failed', detail });
        }
        if (failuresInARow >= settings.pauseAfterFailures) {
          stopped ??= `paused after ${failuresInARow} failures in a row (last: ${detail}); check the mail server, then run the same send again to resume`;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, settings.concurrency) }, worker));
  const counts = (await ledger.counts(issue, list))[list] ?? { pending: 0, sending: 0, sent: 0, failed: 0, unknown: 0, skipped: 0 };
  return { counts, interrupted, ...(stopped ? { stopped } : {}) };
}

function describe(error: unknown): string {
  const e = error as { responseCode?: number; response?: string; code?: string; message?: string };
  return (e.response ?? `${e.code ?? 'error'}: ${e.message ?? String(error)}`).replace(/\s+/g, ' ').slice(0, 300);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
