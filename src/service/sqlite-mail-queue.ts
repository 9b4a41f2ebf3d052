import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { GroupCommit } from '../subscribers/group-commit.js';
import { openDatabase, statementCache } from '../subscribers/sqlite-store.js';
import type { MailClaim, QueuedMail, ServiceMailKind, ServiceMailQueue } from './mail-queue.js';

interface Row {
  id: number;
  kind: ServiceMailKind;
  recipient: string;
  message: string;
  attempts: number;
}

/** The mail queue in the subscriber database (table `service_mail`, migration 7). */
export class SqliteServiceMailQueue implements ServiceMailQueue {
  private readonly db: Database.Database;
  private readonly sql: (text: string) => Database.Statement;
  /** Sign-ups arriving together share one fsync, each answered only once its row is on disk. */
  private readonly committer: GroupCommit;

  constructor(path: string) {
    this.db = openDatabase(path);
    this.sql = statementCache(this.db);
    this.committer = new GroupCommit(this.db);
  }

  async enqueue(
    mail: { kind: ServiceMailKind; recipient: string; message: Mail.Options },
    at: Date,
  ): Promise<void> {
    const when = at.toISOString();
    await this.committer.run(() =>
      this.sql(
        'INSERT INTO service_mail (kind, recipient, message, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?)',
      ).run(mail.kind, mail.recipient, JSON.stringify(mail.message), when, when),
    );
  }

  async claimNext(dueBy: Date, leaseUntil: Date): Promise<QueuedMail | undefined> {
    // Looked at first without the write lock (WAL readers never wait): a poll that finds nothing
    // must not queue behind a `bulletin send` holding the lock, blocking the server meanwhile.
    const due = 'FROM service_mail WHERE sent_at IS NULL AND gave_up_at IS NULL AND next_attempt_at <= ?';
    if (!this.sql(`SELECT 1 ${due} LIMIT 1`).get(dueBy.toISOString())) return undefined;
    const lease = randomUUID();
    return this.committer.run(() => {
      // Read again inside the write transaction: another sender may have claimed it since.
      const row = this.sql(
        `SELECT id, kind, recipient, message, attempts ${due} ORDER BY next_attempt_at, id LIMIT 1`,
      ).get(dueBy.toISOString()) as Row | undefined;
      if (!row) return undefined;
      this.sql(
        'UPDATE service_mail SET attempts = attempts + 1, next_attempt_at = ?, lease_token = ? WHERE id = ?',
      ).run(leaseUntil.toISOString(), lease, row.id);
      const message = JSON.parse(row.message) as Mail.Options;
      return {
        id: row.id,
        kind: row.kind,
        recipient: row.recipient,
        message,
        attempts: row.attempts + 1,
        lease,
      };
    });
  }

  async renew(claim: MailClaim, leaseUntil: Date): Promise<boolean> {
    const renew = `UPDATE service_mail SET next_attempt_at = ?
                    WHERE id = ? AND lease_token = ? AND sent_at IS NULL AND gave_up_at IS NULL`;
    return this.committer.run(
      () => this.sql(renew).run(leaseUntil.toISOString(), claim.id, claim.lease).changes === 1,
    );
  }

  async markSent(claim: MailClaim, at: Date): Promise<boolean> {
    const held = 'SELECT 1 FROM service_mail WHERE id = ? AND lease_token = ?';
    const sent = `UPDATE service_mail SET sent_at = ?, last_error = NULL, lease_token = NULL
                   WHERE id = ? AND sent_at IS NULL`;
    return this.committer.run(() => {
      const stillHeld = this.sql(held).get(claim.id, claim.lease) !== undefined;
      this.sql(sent).run(at.toISOString(), claim.id);
      return stillHeld;
    });
  }

  async markFailed(claim: MailClaim, error: string, retryAt: Date | undefined, at: Date): Promise<boolean> {
    const held = 'WHERE id = ? AND lease_token = ? AND sent_at IS NULL';
    const retry = `UPDATE service_mail SET last_error = ?, next_attempt_at = ?, lease_token = NULL ${held}`;
    const giveUp = `UPDATE service_mail SET last_error = ?, gave_up_at = ?, lease_token = NULL ${held}`;
    return this.committer.run(() => {
      const statement = retryAt ? this.sql(retry) : this.sql(giveUp);
      return statement.run(error, (retryAt ?? at).toISOString(), claim.id, claim.lease).changes === 1;
    });
  }

  async purge(before: Date): Promise<number> {
    const cutoff = before.toISOString();
    const old = 'DELETE FROM service_mail WHERE sent_at < ? OR gave_up_at < ?';
    return this.committer.run(() => this.sql(old).run(cutoff, cutoff).changes);
  }

  async close(): Promise<void> {
    this.committer.flush();
    this.db.close();
  }
}
