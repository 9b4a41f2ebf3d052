import type { FastifyBaseLogger } from 'fastify';
import type { Transport } from '../dispatch/transports.js';
import type { QueuedMail, ServiceMailQueue } from './mail-queue.js';

export interface MailSenderSettings {
  /** Tries before a mail is given up (a 5xx reply gives up at once: the address will not take it). */
  maxAttempts: number;
  /** The first retry's wait; each next one waits twice as long, up to an hour. */
  retryBaseMs: number;
  /** How often the queue is looked at when nothing wakes the sender. */
  pollMs: number;
  /**
   * Mail is sent only once it is this old (BULLETIN_SERVICE_MAIL_DELAY_MS, for tests that stop
   * the server between the answer and the send). 0 in normal use.
   */
  delayMs: number;
}

export const DEFAULT_MAIL_SENDER: MailSenderSettings = {
  maxAttempts: 8,
  retryBaseMs: 30_000,
  pollMs: 5_000,
  delayMs: 0,
};

/** How long a claimed mail is left to its sender before another may try it (a sender that died). */
const LEASE_MS = 2 * 60_000;
const BATCH = 20;
const HOUR = 3_600_000;

export interface MailSender {
  /** A mail was queued: look now rather than at the next poll. */
  wake(): void;
  /** No new sends; resolves once the one in progress has its outcome recorded. */
  stop(): Promise<void>;
}

/** Sends the queued service mail through `transport`, one at a time, retrying with backoff. */
export function startMailSender(
  queue: ServiceMailQueue,
  transport: Transport,
  log: FastifyBaseLogger,
  settings: MailSenderSettings,
  now: () => number,
): MailSender {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;

  const sendOne = async (mail: QueuedMail) => {
    try {
      await transport.send(mail.message);
      await queue.markSent(mail.id, new Date(now()));
      log.info({ event: `${mail.kind}-sent`, attempts: mail.attempts }, 'subscription email sent');
    } catch (caught) {
      // The code only, in the log and the row: a server's reply often quotes the address.
      const error = caught as Error & { code?: string; responseCode?: number };
      const detail = [error.responseCode, error.code].filter(Boolean).join(' ') || error.name;
      const permanent = (error.responseCode ?? 0) >= 500;
      const retry = !permanent && mail.attempts < settings.maxAttempts;
      const backoffMs = Math.min(HOUR, settings.retryBaseMs * 2 ** (mail.attempts - 1));
      const retryAt = retry ? new Date(now() + backoffMs) : undefined;
      await queue.markFailed(mail.id, detail, retryAt, new Date(now()));
      const fields = { kind: mail.kind, attempts: mail.attempts, code: error.code, responseCode: error.responseCode };
      if (retryAt) {
        log.warn({ event: 'service-mail-retry', ...fields, retryAt: retryAt.toISOString() }, 'the subscription email will be tried again');
      } else {
        log.error({ event: 'confirmation-failed', ...fields }, 'the subscription email could not be sent; gave up');
      }
    }
  };

  const tick = async () => {
    do {
      again = false;
      const due = await queue.claimDue(new Date(now() - settings.delayMs), new Date(now() + LEASE_MS), BATCH);
      for (const [i, mail] of due.entries()) {
        if (stopped) {
          // Left for the next start, at once rather than after the lease.
          await queue.release(due.slice(i).map((m) => m.id), new Date(now()));
          break;
        }
        await sendOne(mail);
      }
      if (due.length === BATCH) again = true;
    } while (again && !stopped);
  };

  const run = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    clearTimeout(timer);
    running = tick()
      .catch((error: Error) => {
        log.error({ event: 'service-mail-loop-failed', err: error }, 'the mail queue could not be read');
      })
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(run, settings.pollMs);
      });
  };
  run();
  return {
    wake: () => setImmediate(run),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
