import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { mailboxOf, mergesDots } from '../support/email-address.js';
import { GroupCommit } from './group-commit.js';
import { openDatabase } from './open-database.js';
import type {
  ConfirmationCap,
  ConsentSource,
  ImportOutcome,
  ListStatus,
  NewSubscriber,
  StatusCount,
  SubscriberRecord,
  SubscriberStore,
  SubscriptionRequest,
} from './store.js';

/** Statuses an import or a CLI add must never overwrite: the person said no, or the address is dead. */
const KEPT_OUT: readonly ListStatus[] = ['unsubscribed', 'bounced', 'complained'];

interface Row {
  id: number;
  name: string | null;
  attributes: string;
  status: ListStatus | null;
}

/**
 * The embedded store: one SQLite file (WAL, synchronous=FULL, so a committed change survives a
 * crash or power loss), migrated on open.
 */
export class SqliteSubscriberStore implements SubscriberStore {
  private readonly db: Database.Database;
  private readonly sql: (text: string) => Database.Statement;
  /** Single changes (a form, a one-click unsubscribe) share commits with others arriving at once. */
  private readonly committer: GroupCommit;

  constructor(readonly path: string) {
    this.db = openDatabase(path);
    this.sql = statementCache(this.db);
    this.committer = new GroupCommit(this.db);
    // The same function in SQL as in JS, so the count can never disagree with address.ts.
    this.db.function('mailbox_of', { deterministic: true }, (email: unknown) => mailboxOf(String(email)));
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  async importSubscribers(
    list: string,
    rows: readonly NewSubscriber[],
    consent: ConsentSource,
  ): Promise<ImportOutcome> {
    const at = consent.at ?? new Date().toISOString();
    const outcome: ImportOutcome = { added: 0, updated: 0, unchanged: 0, keptOut: 0 };
    // IMMEDIATE: each row is read before it is written (see group-commit.ts).
    this.db
      .transaction(() => {
        for (const row of rows) {
          const result = this.upsert(list, row, 'subscribed', consent.source, at);
          outcome[result]++;
        }
      })
      .immediate();
    return outcome;
  }

  async addSubscriber(
    list: string,
    subscriber: NewSubscriber,
    status: ListStatus,
    consent: ConsentSource,
  ): Promise<{ created: boolean; status: ListStatus }> {
    const at = consent.at ?? new Date().toISOString();
    return this.committer.run(() => {
      const result = this.upsert(list, subscriber, status, consent.source, at);
      const current = this.membership(subscriber.email, list)!;
      return { created: result === 'added', status: current };
    });
  }

  async setStatus(
    email: string,
    list: string,
    status: ListStatus,
    consent: ConsentSource,
    onlyFrom?: readonly ListStatus[],
  ): Promise<boolean> {
    const at = consent.at ?? new Date().toISOString();
    return this.committer.run(() => {
      const row = this.sql(
        'SELECT s.id, m.status FROM subscribers s JOIN memberships m ON m.subscriber_id = s.id WHERE s.email = ? AND m.list_id = ?',
      ).get(email, list) as { id: number; status: ListStatus } | undefined;
      if (!row || (onlyFrom && !onlyFrom.includes(row.status))) return false;
      this.sql(
        'UPDATE memberships SET status = ?, status_at = ?, status_source = ? WHERE subscriber_id = ? AND list_id = ?',
      ).run(status, at, consent.source, row.id, list);
      this.log(row.id, list, status, at, consent.source);
      return true;
    });
  }

  async suppress(
    email: string,
    reason: 'bounced' | 'complained' | 'unsubscribed',
    consent: ConsentSource,
  ): Promise<void> {
    const at = consent.at ?? new Date().toISOString();
    return this.committer.run(() => {
      this.sql(
        'INSERT INTO suppressions (email, reason, at, source) VALUES (?, ?, ?, ?) ON CONFLICT(email) DO UPDATE SET reason = excluded.reason, at = excluded.at, source = excluded.source',
      ).run(email, reason, at, consent.source);
      const row = this.sql('SELECT id FROM subscribers WHERE email = ?').get(email) as
        | { id: number }
        | undefined;
      if (!row) return;
      this.sql(
        'UPDATE memberships SET status = ?, status_at = ?, status_source = ? WHERE subscriber_id = ?',
      ).run(reason, at, consent.source, row.id);
      this.log(row.id, null, reason, at, consent.source);
    });
  }

  async isSuppressed(email: string): Promise<boolean> {
    return this.sql('SELECT 1 FROM suppressions WHERE email = ?').get(email) !== undefined;
  }

  async isSendable(email: string, list: string): Promise<boolean> {
    return (
      this.sql(
        "SELECT 1 FROM subscribers s JOIN memberships m ON m.subscriber_id = s.id WHERE s.email = ? AND m.list_id = ? AND m.status = 'subscribed' AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email = s.email)",
      ).get(email, list) !== undefined
    );
  }

  async *recipients(list: string): AsyncIterable<{ email: string; name: string | null }> {
    const query = this.db.prepare(
      "SELECT s.email, s.name FROM subscribers s JOIN memberships m ON m.subscriber_id = s.id WHERE m.list_id = ? AND m.status = 'subscribed' AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email = s.email) ORDER BY s.email",
    );
    for (const row of query.iterate(list) as Iterable<{ email: string; name: string | null }>) yield row;
  }

  async requestSubscription(
    subscriber: NewSubscriber,
    lists: readonly string[],
    consent: ConsentSource,
    cap?: ConfirmationCap,
  ): Promise<SubscriptionRequest> {
    const at = consent.at ?? new Date().toISOString();
    const nonce = randomBytes(16).toString('base64url');
    return this.committer.run((): SubscriptionRequest => {
      // Counted inside the change: the group commit runs its changes one after another, so each
      // sees the confirmations of those before it, even when none of them is on disk yet.
      if (cap && this.countConfirmations(subscriber.email, cap.since) >= cap.max) return { capped: true };
      // Only the address: a name typed on a public form must not rename someone already here
      // (every bulletin greets them by it); it waits for the confirmation.
      for (const list of lists) this.upsert(list, { email: subscriber.email }, 'pending', consent.source, at);
      this.sql(
        'INSERT INTO confirmations (nonce, email, name, lists, created_at) VALUES (?, ?, ?, ?, ?)',
      ).run(nonce, subscriber.email, subscriber.name ?? null, JSON.stringify(lists), at);
      const alreadySubscribed =
        lists.every((list) => this.membership(subscriber.email, list) === 'subscribed') &&
        !this.sql('SELECT 1 FROM suppressions WHERE email = ?').get(subscriber.email);
      return { capped: false, nonce, alreadySubscribed };
    });
  }

  async confirmSubscription(
    nonce: string,
    email: string,
    consent: ConsentSource,
  ): Promise<{ outcome: 'confirmed'; lists: string[] } | { outcome: 'used' | 'unknown' }> {
    const at = consent.at ?? new Date().toISOString();
    return this.committer.run(() => {
      const row = this.sql('SELECT email, name, lists, used_at FROM confirmations WHERE nonce = ?').get(
        nonce,
      ) as { email: string; name: string | null; lists: string; used_at: string | null } | undefined;
      if (!row || row.email !== email) return { outcome: 'unknown' as const };
      if (row.used_at) return { outcome: 'used' as const };
      this.sql('UPDATE confirmations SET used_at = ? WHERE nonce = ?').run(at, nonce);
      const id = (this.sql('SELECT id FROM subscribers WHERE email = ?').get(email) as { id: number }).id;
      if (row.name) this.sql('UPDATE subscribers SET name = ? WHERE id = ?').run(row.name, id);
      // Confirming from the mailbox is the clearest consent there is: it lifts an earlier "no", on the
      // record.
      if (this.sql('DELETE FROM suppressions WHERE email = ?').run(email).changes > 0)
        this.log(id, null, 'suppression-lifted', at, consent.source);
      const lists = JSON.parse(row.lists) as string[];
      for (const list of lists) {
        if (this.membership(email, list) === 'subscribed') continue;
        this.sql(
          'UPDATE memberships SET status = ?, status_at = ?, status_source = ? WHERE subscriber_id = ? AND list_id = ?',
        ).run('subscribed', at, consent.source, id, list);
        this.log(id, list, 'subscribed', at, consent.source);
      }
      return { outcome: 'confirmed' as const, lists };
    });
  }

  async confirmationsSince(email: string, since: Date): Promise<number> {
    return this.countConfirmations(email, since);
  }

  private countConfirmations(email: string, since: Date): number {
    const mailbox = mailboxOf(email);
    if (mergesDots(email)) {
      // Every spelling starts with the mailbox's first character (a local part never starts with
      // a dot or a +): a range over the email index, then each row's mailbox compared.
      const first = mailbox.charCodeAt(0);
      const query = `SELECT COUNT(*) AS n FROM confirmations
                      WHERE email >= ? AND email < ? AND created_at >= ? AND mailbox_of(email) = ?`;
      const range = [String.fromCharCode(first), String.fromCharCode(first + 1)];
      return (this.sql(query).get(...range, since.toISOString(), mailbox) as { n: number }).n;
    }
    const at = mailbox.lastIndexOf('@');
    const local = mailbox.slice(0, at);
    // The mailbox itself, and every local+tag at the same domain: a range over the email index
    // ('+' then ',' is the next character), then the domain checked exactly.
    const query = `SELECT COUNT(*) AS n FROM confirmations
                    WHERE (email = ? OR (email >= ? AND email < ? AND substr(email, instr(email, '@')) = ?)) AND created_at >= ?`;
    return (
      this.sql(query).get(mailbox, `${local}+`, `${local},`, mailbox.slice(at), since.toISOString()) as {
        n: number;
      }
    ).n;
  }

  async purgeUnconfirmed(
    before: Date,
    consent: ConsentSource,
  ): Promise<{ memberships: number; confirmations: number }> {
    const at = consent.at ?? new Date().toISOString();
    const cutoff = before.toISOString();
    return this.committer.run(() => {
      const stale = this.sql(
        `SELECT m.subscriber_id AS id, m.list_id AS list FROM memberships m JOIN subscribers s ON s.id = m.subscriber_id
          WHERE m.status = 'pending' AND m.status_at < ?
            AND NOT EXISTS (SELECT 1 FROM confirmations c WHERE c.email = s.email AND c.used_at IS NULL AND c.created_at >= ?)`,
      ).all(cutoff, cutoff) as { id: number; list: string }[];
      const remove = this.sql('DELETE FROM memberships WHERE subscriber_id = ? AND list_id = ?');
      for (const row of stale) {
        remove.run(row.id, row.list);
        this.log(row.id, row.list, 'pending-expired', at, consent.source);
      }
      const confirmations = this.sql(
        'DELETE FROM confirmations WHERE used_at IS NULL AND created_at < ?',
      ).run(cutoff).changes;
      return { memberships: stale.length, confirmations };
    });
  }

  async memberships(email: string): Promise<{ list: string; status: ListStatus }[]> {
    return this.sql(
      'SELECT m.list_id AS list, m.status FROM subscribers s JOIN memberships m ON m.subscriber_id = s.id WHERE s.email = ? ORDER BY m.list_id',
    ).all(email) as { list: string; status: ListStatus }[];
  }

  async counts(): Promise<StatusCount[]> {
    return this.sql(
      'SELECT list_id AS list, status, COUNT(*) AS count FROM memberships GROUP BY list_id, status ORDER BY list_id, status',
    ).all() as StatusCount[];
  }

  async *subscribers(list?: string): AsyncIterable<SubscriberRecord> {
    const query = this.db.prepare(
      `SELECT s.email, s.name, s.attributes, m.list_id AS list, m.status, m.status_at AS statusAt, m.status_source AS statusSource
         FROM memberships m JOIN subscribers s ON s.id = m.subscriber_id
        ${list ? 'WHERE m.list_id = ?' : ''} ORDER BY m.list_id, s.email`,
    );
    for (const row of (list ? query.iterate(list) : query.iterate()) as Iterable<
      Omit<SubscriberRecord, 'attributes'> & { attributes: string }
    >) {
      yield { ...row, attributes: JSON.parse(row.attributes) as Record<string, string> };
    }
  }

  async close(): Promise<void> {
    this.committer.flush();
    this.db.close();
  }

  private membership(email: string, list: string): ListStatus | undefined {
    const row = this.sql(
      'SELECT m.status FROM subscribers s JOIN memberships m ON m.subscriber_id = s.id WHERE s.email = ? AND m.list_id = ?',
    ).get(email, list) as { status: ListStatus } | undefined;
    return row?.status;
  }

  /** Inside a transaction: adds the address or updates its name and attributes; never lifts a "no". */
  private upsert(
    list: string,
    subscriber: NewSubscriber,
    status: ListStatus,
    source: string,
    at: string,
  ): keyof ImportOutcome {
    const existing = this.db
      .prepare(
        'SELECT s.id, s.name, s.attributes, m.status FROM subscribers s LEFT JOIN memberships m ON m.subscriber_id = s.id AND m.list_id = ? WHERE s.email = ?',
      )
      .get(list, subscriber.email) as Row | undefined;
    const attributes = JSON.stringify(subscriber.attributes ?? {});
    const suppressed = this.sql('SELECT reason FROM suppressions WHERE email = ?').get(subscriber.email) as
      | { reason: ListStatus }
      | undefined;
    const initial = suppressed ? suppressed.reason : status;
    if (!existing) {
      const id = Number(
        this.sql('INSERT INTO subscribers (email, name, attributes, created_at) VALUES (?, ?, ?, ?)').run(
          subscriber.email,
          subscriber.name ?? null,
          attributes,
          at,
        ).lastInsertRowid,
      );
      this.sql(
        'INSERT INTO memberships (subscriber_id, list_id, status, status_at, status_source) VALUES (?, ?, ?, ?, ?)',
      ).run(id, list, initial, at, source);
      this.log(id, list, initial, at, source);
      return suppressed ? 'keptOut' : 'added';
    }
    let changed = false;
    if (
      (subscriber.name ?? existing.name) !== existing.name ||
      (subscriber.attributes && attributes !== existing.attributes)
    ) {
      this.sql('UPDATE subscribers SET name = ?, attributes = ? WHERE id = ?').run(
        subscriber.name ?? existing.name,
        subscriber.attributes ? attributes : existing.attributes,
        existing.id,
      );
      changed = true;
    }
    if (existing.status === null) {
      this.sql(
        'INSERT INTO memberships (subscriber_id, list_id, status, status_at, status_source) VALUES (?, ?, ?, ?, ?)',
      ).run(existing.id, list, initial, at, source);
      this.log(existing.id, list, initial, at, source);
      return suppressed ? 'keptOut' : 'added';
    }
    if (KEPT_OUT.includes(existing.status)) return 'keptOut';
    if (existing.status !== status && !(existing.status === 'subscribed' && status === 'pending')) {
      this.sql(
        'UPDATE memberships SET status = ?, status_at = ?, status_source = ? WHERE subscriber_id = ? AND list_id = ?',
      ).run(status, at, source, existing.id, list);
      this.log(existing.id, list, status, at, source);
      changed = true;
    }
    return changed ? 'updated' : 'unchanged';
  }

  private log(subscriberId: number, list: string | null, status: string, at: string, source: string): void {
    this.sql(
      'INSERT INTO consent_log (subscriber_id, list_id, status, at, source) VALUES (?, ?, ?, ?, ?)',
    ).run(subscriberId, list, status, at, source);
  }
}

/** Prepares each SQL text once per connection: preparing costs more than running these queries. */
export function statementCache(db: Database.Database): (text: string) => Database.Statement {
  const statements = new Map<string, Database.Statement>();
  return (text) => {
    let statement = statements.get(text);
    if (!statement) {
      statement = db.prepare(text);
      statements.set(text, statement);
    }
    return statement;
  };
}

// Where every user of the file (ledger, schedules, approvals, queue) has long imported them from.
export { migrate, openDatabase } from './open-database.js';
