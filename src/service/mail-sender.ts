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
  /**
   * How long a claimed mail is left to its sender before another sender (a second `serve` on the
   * same database) may take it: longer than one send takes, or the mail may go out twice.
   */
  leaseMs: number;
  /**
   * Mails claimed together (in one commit), sent at once and their outcomes recorded together (in
   * another): two commits, each an fsync, per batch rather than per mail. No more than the
   * transport sends at once (its connections), or a claimed mail would wait in its queue, leased.
   */
  batchSize: number;
}

export const DEFAULT_MAIL_SENDER: MailSenderSettings = {
  maxAttempts: 8,
  retryBaseMs: 30_000,
  pollMs: 5_000,
  delayMs: 0,
  leaseMs: 2 * 60_000,
  batchSize: 1,
};

const HOUR = 3_600_000;

export interface MailSender {
  /** A mail was queued: look now rather than at the next poll. */
  wake(): void;
  /** No new sends; resolves once the batch in progress has its outcomes recorded. */
  stop(): Promise<void>;
}

/** Sends the queued service mail through `transport`, in batches, retrying each mail with backoff. */
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

  /** Keeps the claims alive while a slow relay takes its time, so no other sender takes the mail. */
  const holdLeases = (mails: readonly QueuedMail[]): (() => void) => {
    const renew = (mail: QueuedMail) => {
      queue.renew(mail, new Date(now() + settings.leaseMs)).then(
        (held) =>
          held ||
          log.warn({ event: 'service-mail-lease-lost', kind: mail.kind }, 'another sender took it over'),
        (error: Error) =>
          log.warn({ event: 'service-mail-lease-renew-failed', err: error }, 'lease not renewed'),
      );
    };
    const heartbeat = setInterval(
      () => {
        for (const mail of mails) renew(mail);
      },
      Math.max(10, Math.floor(settings.leaseMs / 3)),
    );
    heartbeat.unref();
    return () => clearInterval(heartbeat);
  };

  const recordSent = async (mail: QueuedMail) => {
    const held = await queue.markSent(mail, new Date(now()));
    log.info({ event: `${mail.kind}-sent`, attempts: mail.attempts }, 'subscription email sent');
    const lost = { event: 'service-mail-lease-lost', kind: mail.kind };
    if (!held) log.warn(lost, 'sent after its lease ran out; it may have gone out twice');
  };

  const recordFailed = async (mail: QueuedMail, caught: unknown) => {
    // The code only, in the log and the row: a server's reply often quotes the address.
    const error = caught as Error & { code?: string; responseCode?: number };
    const detail = [error.responseCode, error.code].filter(Boolean).join(' ') || error.name;
    const permanent = (error.responseCode ?? 0) >= 500;
    const retry = !permanent && mail.attempts < settings.maxAttempts;
    const backoffMs = Math.min(HOUR, settings.retryBaseMs * 2 ** (mail.attempts - 1));
    const retryAt = retry ? new Date(now() + backoffMs) : undefined;
    // Not recorded if another sender holds the mail now: its attempt is the one that counts.
    if (!(await queue.markFailed(mail, detail, retryAt, new Date(now())))) return;
    const fields = {
      kind: mail.kind,
      attempts: mail.attempts,
      code: error.code,
      responseCode: error.responseCode,
    };
    if (retryAt) {
      log.warn(
        { event: 'service-mail-retry', ...fields, retryAt: retryAt.toISOString() },
        'the subscription email will be tried again',
      );
    } else {
      log.error(
        { event: 'confirmation-failed', ...fields },
        'the subscription email could not be sent; gave up',
      );
    }
  };

  /**
   * A batch claimed right before it is sent, all of it at once: a lease never covers mail waiting
   * for an earlier batch. The claims are asked for in one turn of the event loop and the outcomes
   * recorded in one, so the store's group commit makes one commit of each. Recording waits for the
   * batch's last send; the leases are renewed until then.
   */
  const sendDue = async () => {
    while (!stopped) {
      const dueBy = new Date(now() - settings.delayMs);
      const leaseUntil = new Date(now() + settings.leaseMs);
      const claims = await Promise.allSettled(
        Array.from({ length: settings.batchSize }, () => queue.claimNext(dueBy, leaseUntil)),
      );
      const batch = claims.flatMap((claim) =>
        claim.status === 'fulfilled' && claim.value ? [claim.value] : [],
      );
      const stopRenewing = holdLeases(batch);
      const sent = await Promise.allSettled(batch.map((mail) => transport.send(mail.message)));
      // Before the outcomes: a renewal after one would find the mail no longer held.
      stopRenewing();
      await Promise.all(
        batch.map((mail, i) => {
          const outcome = sent[i]!;
          return outcome.status === 'fulfilled' ? recordSent(mail) : recordFailed(mail, outcome.reason);
        }),
      );
      // A claim that failed (the database) stops the loop, which logs it, once the rest are recorded.
      const failed = claims.find((claim) => claim.status === 'rejected');
      if (failed) throw failed.reason;
      if (batch.length === 0) return;
    }
  };

  const tick = async () => {
    do {
      again = false;
      await sendDue();
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
