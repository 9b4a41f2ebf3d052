import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { mailboxOf, mergesDots } from '../../support/email-address.js';
import { GroupCommit } from './group-commit.js';
import type { Committer, SharedConnection } from './shared-connection.js';
import { openDatabase, statementCache } from './open.js';
import { SUBSCRIBERS as Q } from './queries.js';
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
} from '../../subscribers/store.js';
import { evidenceFrom, evidenceJson, KEPT_OUT } from '../../subscribers/store.js';

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
  private readonly committer: Committer;

  /**
   * With `shared`, the store works on a connection (and its group commit) that others share, so
   * their changes go to disk in the same commits; close() then leaves the connection open.
   */
  constructor(
    readonly path: string,
    private readonly shared?: SharedConnection,
  ) {
    this.db = shared?.db ?? openDatabase(path);
    this.sql = statementCache(this.db);
    this.committer = shared?.committer ?? new GroupCommit(this.db);
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
      const row = this.sql(Q.membership).get(email, list) as { id: number; status: ListStatus } | undefined;
      if (!row || (onlyFrom && !onlyFrom.includes(row.status))) return false;
      this.sql(Q.setMembership).run(status, at, consent.source, row.id, list);
      this.log(row.id, list, status, at, consent.source, consent.evidence);
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
      this.sql(Q.suppress).run(email, reason, at, consent.source);
      const row = this.sql(Q.idOf).get(email) as { id: number } | undefined;
      if (!row) return;
      this.sql(Q.setEveryMembership).run(reason, at, consent.source, row.id);
      this.log(row.id, null, reason, at, consent.source, consent.evidence);
    });
  }

  async isSuppressed(email: string): Promise<boolean> {
    return this.sql(Q.suppression).get(email) !== undefined;
  }

  async isSendable(email: string, list: string): Promise<boolean> {
    return this.sql(Q.sendable).get(email, list) !== undefined;
  }

  async sendableAmong(emails: readonly string[], list: string): Promise<Set<string>> {
    const rows = this.sql(Q.sendableAmong).all(JSON.stringify(emails), list) as { email: string }[];
    return new Set(rows.map((row) => row.email));
  }

  async *recipients(list: string): AsyncIterable<{ email: string; name: string | null }> {
    // Its own statement: a second send (or a count) may iterate the same query meanwhile.
    const query = this.db.prepare(Q.recipients);
    for (const row of query.iterate(list) as Iterable<{ email: string; name: string | null }>) yield row;
  }

  async requestSubscription(
    subscriber: NewSubscriber,
    lists: readonly string[],
    consent: ConsentSource,
    cap?: ConfirmationCap,
  ): Promise<SubscriptionRequest> {
    return this.committer.run(() => this.requestSubscriptionNow(subscriber, lists, consent, cap));
  }

  /**
   * `requestSubscription`, inside a change of the connection's group commit (service-stores.ts:
   * with the sign-up's rate-limit count and mail).
   */
  requestSubscriptionNow(
    subscriber: NewSubscriber,
    lists: readonly string[],
    consent: ConsentSource,
    cap?: ConfirmationCap,
  ): SubscriptionRequest {
    const at = consent.at ?? new Date().toISOString();
    const nonce = randomBytes(16).toString('base64url');
    // Counted inside the change: the group commit runs its changes one after another, so each
    // sees the confirmations of those before it, even when none of them is on disk yet.
    if (cap && this.countConfirmations(subscriber.email, cap.since) >= cap.max) return { capped: true };
    // Only the address: a name typed on a public form must not rename someone already here
    // (every bulletin greets them by it); it waits for the confirmation.
    for (const list of lists) this.upsert(list, { email: subscriber.email }, 'pending', consent.source, at);
    this.sql(Q.insertConfirmation).run(
      nonce,
      subscriber.email,
      subscriber.name ?? null,
      JSON.stringify(lists),
      at,
    );
    const alreadySubscribed =
      lists.every((list) => this.membership(subscriber.email, list) === 'subscribed') &&
      !this.sql(Q.suppression).get(subscriber.email);
    return { capped: false, nonce, alreadySubscribed };
  }

  async confirmSubscription(
    nonce: string,
    email: string,
    consent: ConsentSource,
  ): Promise<{ outcome: 'confirmed'; lists: string[] } | { outcome: 'used' | 'unknown' }> {
    const at = consent.at ?? new Date().toISOString();
    return this.committer.run(() => {
      const row = this.sql(Q.confirmation).get(nonce) as
        | { email: string; name: string | null; lists: string; used_at: string | null }
        | undefined;
      if (!row || row.email !== email) return { outcome: 'unknown' as const };
      if (row.used_at) return { outcome: 'used' as const };
      this.sql(Q.useConfirmation).run(at, nonce);
      const id = (this.sql(Q.idOf).get(email) as { id: number }).id;
      if (row.name) this.sql(Q.rename).run(row.name, id);
      // Confirming from the mailbox is the clearest consent there is: it lifts an earlier "no", on the
      // record.
      if (this.sql(Q.liftSuppression).run(email).changes > 0)
        this.log(id, null, 'suppression-lifted', at, consent.source, consent.evidence);
      const lists = JSON.parse(row.lists) as string[];
      for (const list of lists) {
        if (this.membership(email, list) === 'subscribed') continue;
        this.sql(Q.setMembership).run('subscribed', at, consent.source, id, list);
        this.log(id, list, 'subscribed', at, consent.source, consent.evidence);
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
      const range = [String.fromCharCode(first), String.fromCharCode(first + 1)];
      return (this.sql(Q.confirmationsOfDotted).get(...range, since.toISOString(), mailbox) as { n: number })
        .n;
    }
    const at = mailbox.lastIndexOf('@');
    const local = mailbox.slice(0, at);
    // The mailbox itself, and every local+tag at the same domain: a range over the email index
    // ('+' then ',' is the next character), then the domain checked exactly.
    const tagged = [mailbox, `${local}+`, `${local},`, mailbox.slice(at), since.toISOString()];
    return (this.sql(Q.confirmationsOfTagged).get(...tagged) as { n: number }).n;
  }

  async purgeUnconfirmed(
    before: Date,
    consent: ConsentSource,
  ): Promise<{ memberships: number; confirmations: number }> {
    const at = consent.at ?? new Date().toISOString();
    const cutoff = before.toISOString();
    return this.committer.run(() => {
      const stale = this.sql(Q.stalePending).all(cutoff, cutoff) as { id: number; list: string }[];
      const remove = this.sql(Q.deleteMembership);
      for (const row of stale) {
        remove.run(row.id, row.list);
        this.log(row.id, row.list, 'pending-expired', at, consent.source, consent.evidence);
      }
      const confirmations = this.sql(Q.deleteStaleConfirmations).run(cutoff).changes;
      return { memberships: stale.length, confirmations };
    });
  }

  async idOf(email: string): Promise<number | undefined> {
    return (this.sql(Q.idOf).get(email) as { id: number } | undefined)?.id;
  }

  async emailOf(id: number): Promise<string | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    return (this.sql(Q.emailOf).get(id) as { email: string } | undefined)?.email;
  }

  async memberships(email: string): Promise<{ list: string; status: ListStatus }[]> {
    return this.sql(Q.memberships).all(email) as { list: string; status: ListStatus }[];
  }

  async counts(): Promise<StatusCount[]> {
    return this.sql(Q.counts).all() as StatusCount[];
  }

  async *subscribers(list?: string): AsyncIterable<SubscriberRecord> {
    const query = this.db.prepare(list ? Q.everyoneOn : Q.everyone);
    for (const row of (list ? query.iterate(list) : query.iterate()) as Iterable<
      Omit<SubscriberRecord, 'attributes' | 'statusEvidence'> & {
        attributes: string;
        statusEvidence: string | null;
      }
    >) {
      yield {
        ...row,
        attributes: JSON.parse(row.attributes) as Record<string, string>,
        statusEvidence: evidenceFrom(row.statusEvidence),
      };
    }
  }

  async close(): Promise<void> {
    this.committer.flush();
    if (!this.shared) this.db.close();
  }

  private membership(email: string, list: string): ListStatus | undefined {
    const row = this.sql(Q.membership).get(email, list) as { status: ListStatus } | undefined;
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
    const existing = this.sql(Q.existing).get(list, subscriber.email) as Row | undefined;
    const attributes = JSON.stringify(subscriber.attributes ?? {});
    const suppressed = this.sql(Q.suppression).get(subscriber.email) as { reason: ListStatus } | undefined;
    const initial = suppressed ? suppressed.reason : status;
    if (!existing) {
      const id = Number(
        this.sql(Q.insertSubscriber).run(subscriber.email, subscriber.name ?? null, attributes, at)
          .lastInsertRowid,
      );
      this.sql(Q.insertMembership).run(id, list, initial, at, source);
      this.log(id, list, initial, at, source);
      return suppressed ? 'keptOut' : 'added';
    }
    let changed = false;
    if (
      (subscriber.name ?? existing.name) !== existing.name ||
      (subscriber.attributes && attributes !== existing.attributes)
    ) {
      this.sql(Q.updateSubscriber).run(
        subscriber.name ?? existing.name,
        subscriber.attributes ? attributes : existing.attributes,
        existing.id,
      );
      changed = true;
    }
    if (existing.status === null) {
      this.sql(Q.insertMembership).run(existing.id, list, initial, at, source);
      this.log(existing.id, list, initial, at, source);
      return suppressed ? 'keptOut' : 'added';
    }
    if (KEPT_OUT.includes(existing.status)) return 'keptOut';
    if (existing.status !== status && !(existing.status === 'subscribed' && status === 'pending')) {
      this.sql(Q.setMembership).run(status, at, source, existing.id, list);
      this.log(existing.id, list, status, at, source);
      changed = true;
    }
    return changed ? 'updated' : 'unchanged';
  }

  private log(
    subscriberId: number,
    list: string | null,
    status: string,
    at: string,
    source: string,
    evidence?: Record<string, string>,
  ): void {
    this.sql(Q.logConsent).run(subscriberId, list, status, at, source, evidenceJson(evidence));
  }
}
