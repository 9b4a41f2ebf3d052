import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { MailClaim, QueuedMail, ServiceMailKind, ServiceMailQueue } from '../../service/mail-queue.js';
import { GroupCommit } from './group-commit.js';
import type { Committer, SharedConnection } from './shared-connection.js';
import { openDatabase, statementCache } from './open.js';
import { MAIL_QUEUE as Q } from './queries.js';

interface Row {
  id: number;
  kind: ServiceMailKind;
  recipient: string;
  message: string;
  attempts: number;
}

/** The mail queue in the subscriber database (table `service_mail`, migrations 7 and 8). */
export class SqliteServiceMailQueue implements ServiceMailQueue {
  private readonly db: Database.Database;
  private readonly sql: (text: string) => Database.Statement;
  /** Sign-ups arriving together share one fsync, each answered only once its row is on disk. */
  private readonly committer: Committer;

  /** With `shared`, on a connection others share (see subscribers.ts); close() then leaves it open. */
  constructor(
    path: string,
    private readonly shared?: SharedConnection,
  ) {
    this.db = shared?.db ?? openDatabase(path);
    this.sql = statementCache(this.db);
    this.committer = shared?.committer ?? new GroupCommit(this.db);
  }

  async enqueue(
    mail: { kind: ServiceMailKind; recipient: string; message: Mail.Options },
    at: Date,
  ): Promise<void> {
    await this.committer.run(() => this.enqueueNow(mail, at));
  }

  /** `enqueue`, inside a change of the connection's group commit (service-stores.ts: a sign-up's). */
  enqueueNow(mail: { kind: ServiceMailKind; recipient: string; message: Mail.Options }, at: Date): void {
    const when = at.toISOString();
    this.sql(Q.enqueue).run(mail.kind, mail.recipient, JSON.stringify(mail.message), when, when);
  }

  async claimNext(dueBy: Date, leaseUntil: Date): Promise<QueuedMail | undefined> {
    // Looked at first without the write lock (WAL readers never wait): a poll that finds nothing
    // must not queue behind a `bulletin send` holding the lock, blocking the server meanwhile.
    if (!this.sql(Q.anyDue).get(dueBy.toISOString())) return undefined;
    const lease = randomUUID();
    return this.committer.run(() => {
      // Read again inside the write transaction: another sender may have claimed it since.
      const row = this.sql(Q.nextDue).get(dueBy.toISOString()) as Row | undefined;
      if (!row) return undefined;
      this.sql(Q.take).run(leaseUntil.toISOString(), lease, row.id);
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
    return this.committer.run(
      () => this.sql(Q.renew).run(leaseUntil.toISOString(), claim.id, claim.lease).changes === 1,
    );
  }

  async markSent(claim: MailClaim, at: Date): Promise<boolean> {
    return this.committer.run(() => {
      const stillHeld = this.sql(Q.held).get(claim.id, claim.lease) !== undefined;
      this.sql(Q.sent).run(at.toISOString(), claim.id);
      return stillHeld;
    });
  }

  async markFailed(claim: MailClaim, error: string, retryAt: Date | undefined, at: Date): Promise<boolean> {
    return this.committer.run(() => {
      const statement = retryAt ? this.sql(Q.retry) : this.sql(Q.giveUp);
      return statement.run(error, (retryAt ?? at).toISOString(), claim.id, claim.lease).changes === 1;
    });
  }

  async purge(before: Date): Promise<number> {
    const cutoff = before.toISOString();
    return this.committer.run(() => this.sql(Q.purge).run(cutoff, cutoff).changes);
  }

  async close(): Promise<void> {
    this.committer.flush();
    if (!this.shared) this.db.close();
  }
}
