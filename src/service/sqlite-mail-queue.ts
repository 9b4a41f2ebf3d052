import type Database from 'better-sqlite3';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { GroupCommit } from '../subscribers/group-commit.js';
import { openDatabase, statementCache } from '../subscribers/sqlite-store.js';
import type { QueuedMail, ServiceMailKind, ServiceMailQueue } from './mail-queue.js';

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

  async enqueue(mail: { kind: ServiceMailKind; recipient: string; message: Mail.Options }, at: Date): Promise<void> {
    const when = at.toISOString();
    await this.committer.run(() =>
      this.sql('INSERT INTO service_mail (kind, recipient, message, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(mail.kind, mail.recipient, JSON.stringify(mail.message), when, when),
    );
  }

  async claimDue(dueBy: Date, leaseUntil: Date, limit: number): Promise<QueuedMail[]> {
    // Looked at first without the write lock (WAL readers never wait): a poll that finds nothing
    // must not queue behind a `bulletin send` holding the lock, blocking the server meanwhile.
    const due = 'FROM service_mail WHERE sent_at IS NULL AND gave_up_at IS NULL AND next_attempt_at <= ?';
    if (!this.sql(`SELECT 1 ${due} LIMIT 1`).get(dueBy.toISOString())) return [];
    return this.committer.run(() => {
      const rows = this.sql(`SELECT id, kind, recipient, message, attempts ${due} ORDER BY next_attempt_at, id LIMIT ?`)
        .all(dueBy.toISOString(), limit) as Row[];
      const lease = this.sql('UPDATE service_mail SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ?');
      for (const row of rows) lease.run(leaseUntil.toISOString(), row.id);
      return rows.map((row) => ({
        id: row.id,
        kind: row.kind,
        recipient: row.recipient,
        message: JSON.parse(row.message) as Mail.Options,
        attempts: row.attempts + 1,
      }));
    });
  }

  async markSent(id: number, at: Date): Promise<void> {
    const sent = 'UPDATE service_mail SET sent_at = ?, last_error = NULL WHERE id = ?';
    await this.committer.run(() => this.sql(sent).run(at.toISOString(), id));
  }

  async release(ids: readonly number[], at: Date): Promise<void> {
    const back = 'UPDATE service_mail SET attempts = attempts - 1, next_attempt_at = ? WHERE id = ? AND sent_at IS NULL';
    await this.committer.run(() => {
      for (const id of ids) this.sql(back).run(at.toISOString(), id);
    });
  }

  async markFailed(id: number, error: string, retryAt: Date | undefined, at: Date): Promise<void> {
    const retry = 'UPDATE service_mail SET last_error = ?, next_attempt_at = ? WHERE id = ?';
    const giveUp = 'UPDATE service_mail SET last_error = ?, gave_up_at = ? WHERE id = ?';
    await this.committer.run(() =>
      retryAt ? this.sql(retry).run(error, retryAt.toISOString(), id) : this.sql(giveUp).run(error, at.toISOString(), id),
    );
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
