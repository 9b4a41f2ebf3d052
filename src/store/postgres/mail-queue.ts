import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { MailClaim, QueuedMail, ServiceMailKind, ServiceMailQueue } from '../../service/mail-queue.js';
import { inTransaction } from './pool.js';
import { MAIL_QUEUE_SQL as SQL } from './queries.js';

/**
 * The service's mail queue on PostgreSQL (table `service_mail`): a claim takes the oldest due mail
 * with FOR UPDATE SKIP LOCKED, so two servers never take the same one, and neither waits.
 */
export class PostgresServiceMailQueue implements ServiceMailQueue {
  constructor(private readonly pool: pg.Pool) {}

  async enqueue(
    mail: { kind: ServiceMailKind; recipient: string; message: Mail.Options },
    at: Date,
  ): Promise<void> {
    await this.pool.query(SQL.enqueue, [mail.kind, mail.recipient, JSON.stringify(mail.message), at]);
  }

  async claimNext(dueBy: Date, leaseUntil: Date): Promise<QueuedMail | undefined> {
    const lease = randomUUID();
    const row = (await this.pool.query(SQL.claimNext, [dueBy, leaseUntil, lease])).rows[0] as
      | { id: number; kind: ServiceMailKind; recipient: string; message: string; attempts: number }
      | undefined;
    if (!row) return undefined;
    const message = JSON.parse(row.message) as Mail.Options;
    return { id: row.id, kind: row.kind, recipient: row.recipient, message, attempts: row.attempts, lease };
  }

  async renew(claim: MailClaim, leaseUntil: Date): Promise<boolean> {
    return (await this.pool.query(SQL.renew, [claim.id, claim.lease, leaseUntil])).rowCount === 1;
  }

  async markSent(claim: MailClaim, at: Date): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      const row = (await client.query(SQL.tokenForUpdate, [claim.id])).rows[0] as
        | { lease_token: string | null }
        | undefined;
      await client.query(SQL.sent, [claim.id, at]);
      return row?.lease_token === claim.lease;
    });
  }

  async markFailed(claim: MailClaim, error: string, retryAt: Date | undefined, at: Date): Promise<boolean> {
    const query = retryAt ? SQL.retry : SQL.giveUp;
    return (await this.pool.query(query, [claim.id, claim.lease, error, retryAt ?? at])).rowCount === 1;
  }

  async purge(before: Date): Promise<number> {
    return (await this.pool.query(SQL.purge, [before])).rowCount ?? 0;
  }

  /** The pool belongs to the Stores that made this queue: closed there, once. */
  async close(): Promise<void> {}
}
