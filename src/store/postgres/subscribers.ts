import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { mailboxOf, mergesDots } from '../../support/email-address.js';
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
import { importRows } from './import.js';
import { inTransaction, streamRows } from './pool.js';
import { SUBSCRIBER_SQL as SQL } from './queries.js';

type Client = pg.PoolClient;

/**
 * The subscriber store on PostgreSQL, with the SQLite store's semantics (sqlite-store.ts): each
 * change is one transaction; a subscriber's row is locked while it changes, and the requests of
 * one mailbox are serialised by an advisory lock, so a confirmation cap holds across servers.
 */
export class PostgresSubscriberStore implements SubscriberStore {
  constructor(private readonly pool: pg.Pool) {}

  async importSubscribers(
    list: string,
    rows: readonly NewSubscriber[],
    consent: ConsentSource,
  ): Promise<ImportOutcome> {
    const at = consent.at ?? new Date().toISOString();
    const outcome: ImportOutcome = { added: 0, updated: 0, unchanged: 0, keptOut: 0 };
    await inTransaction(this.pool, (client) => importRows(client, list, rows, consent.source, at, outcome));
    return outcome;
  }

  async addSubscriber(
    list: string,
    subscriber: NewSubscriber,
    status: ListStatus,
    consent: ConsentSource,
  ): Promise<{ created: boolean; status: ListStatus }> {
    const at = consent.at ?? new Date().toISOString();
    return inTransaction(this.pool, async (client) => {
      const result = await upsert(client, list, subscriber, status, consent.source, at);
      const current = (await membership(client, subscriber.email, list))!;
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
    return inTransaction(this.pool, async (client) => {
      const row = (await client.query(SQL.membershipForUpdate, [email, list])).rows[0] as
        | { id: number; status: ListStatus }
        | undefined;
      if (!row || (onlyFrom && !onlyFrom.includes(row.status))) return false;
      await client.query(SQL.updateMembership, [status, at, consent.source, row.id, list]);
      await log(client, row.id, list, status, at, consent.source, consent.evidence);
      return true;
    });
  }

  async suppress(
    email: string,
    reason: 'bounced' | 'complained' | 'unsubscribed',
    consent: ConsentSource,
  ): Promise<void> {
    const at = consent.at ?? new Date().toISOString();
    await inTransaction(this.pool, async (client) => {
      await client.query(SQL.suppress, [email, reason, at, consent.source]);
      const row = (await client.query(SQL.idOf, [email])).rows[0] as { id: number } | undefined;
      if (!row) return;
      await client.query(SQL.updateAllMemberships, [reason, at, consent.source, row.id]);
      await log(client, row.id, null, reason, at, consent.source, consent.evidence);
    });
  }

  async isSuppressed(email: string): Promise<boolean> {
    return (await this.pool.query(SQL.suppression, [email])).rowCount === 1;
  }

  async isSendable(email: string, list: string): Promise<boolean> {
    return (await this.pool.query(SQL.sendable, [email, list])).rowCount === 1;
  }

  async sendableAmong(emails: readonly string[], list: string): Promise<Set<string>> {
    const { rows } = await this.pool.query<{ email: string }>(SQL.sendableAmong, [emails, list]);
    return new Set(rows.map((row) => row.email));
  }

  recipients(list: string): AsyncIterable<{ email: string; name: string | null }> {
    return streamRows(this.pool, SQL.recipients, [list]);
  }

  async requestSubscription(
    subscriber: NewSubscriber,
    lists: readonly string[],
    consent: ConsentSource,
    cap?: ConfirmationCap,
  ): Promise<SubscriptionRequest> {
    const at = consent.at ?? new Date().toISOString();
    const nonce = randomBytes(16).toString('base64url');
    return inTransaction(this.pool, async (client): Promise<SubscriptionRequest> => {
      // Held until commit: a request for the same mailbox arriving meanwhile counts this one.
      await client.query(SQL.lockMailbox, [mailboxOf(subscriber.email)]);
      if (cap && (await countConfirmations(client, subscriber.email, cap.since)) >= cap.max)
        return { capped: true };
      // Only the address: a name typed on a public form must not rename someone already here.
      for (const list of lists)
        await upsert(client, list, { email: subscriber.email }, 'pending', consent.source, at);
      await client.query(SQL.insertConfirmation, [
        nonce,
        subscriber.email,
        subscriber.name ?? null,
        JSON.stringify(lists),
        at,
      ]);
      let alreadySubscribed = (await client.query(SQL.suppression, [subscriber.email])).rowCount === 0;
      for (const list of lists)
        alreadySubscribed &&= (await membership(client, subscriber.email, list)) === 'subscribed';
      return { capped: false, nonce, alreadySubscribed };
    });
  }

  async confirmSubscription(
    nonce: string,
    email: string,
    consent: ConsentSource,
  ): Promise<{ outcome: 'confirmed'; lists: string[] } | { outcome: 'used' | 'unknown' }> {
    const at = consent.at ?? new Date().toISOString();
    return inTransaction(this.pool, async (client) => {
      const row = (await client.query(SQL.confirmationForUpdate, [nonce])).rows[0] as
        | { email: string; name: string | null; lists: string; used_at: string | null }
        | undefined;
      if (!row || row.email !== email) return { outcome: 'unknown' as const };
      if (row.used_at) return { outcome: 'used' as const };
      await client.query(SQL.useConfirmation, [at, nonce]);
      const id = ((await client.query(SQL.idOf, [email])).rows[0] as { id: number }).id;
      if (row.name) await client.query(SQL.rename, [row.name, id]);
      // Confirming from the mailbox is the clearest consent there is: it lifts an earlier "no", on the record.
      if ((await client.query(SQL.liftSuppression, [email])).rowCount)
        await log(client, id, null, 'suppression-lifted', at, consent.source, consent.evidence);
      const lists = JSON.parse(row.lists) as string[];
      for (const list of lists) {
        if ((await membership(client, email, list)) === 'subscribed') continue;
        await client.query(SQL.updateMembership, ['subscribed', at, consent.source, id, list]);
        await log(client, id, list, 'subscribed', at, consent.source, consent.evidence);
      }
      return { outcome: 'confirmed' as const, lists };
    });
  }

  async confirmationsSince(email: string, since: Date): Promise<number> {
    const client = await this.pool.connect();
    try {
      return await countConfirmations(client, email, since);
    } finally {
      client.release();
    }
  }

  async purgeUnconfirmed(
    before: Date,
    consent: ConsentSource,
  ): Promise<{ memberships: number; confirmations: number }> {
    const at = consent.at ?? new Date().toISOString();
    const cutoff = before.toISOString();
    return inTransaction(this.pool, async (client) => {
      const stale = (await client.query(SQL.stalePending, [cutoff])).rows as { id: number; list: string }[];
      for (const row of stale) {
        await client.query(SQL.removeMembership, [row.id, row.list]);
        await log(client, row.id, row.list, 'pending-expired', at, consent.source, consent.evidence);
      }
      const confirmations = (await client.query(SQL.deleteUnusedConfirmations, [cutoff])).rowCount ?? 0;
      return { memberships: stale.length, confirmations };
    });
  }

  async idOf(email: string): Promise<number | undefined> {
    const row = (await this.pool.query(SQL.idOf, [email])).rows[0] as { id: string | number } | undefined;
    // BIGINT comes back as text; ids stay far below 2^53.
    return row ? Number(row.id) : undefined;
  }

  async emailOf(id: number): Promise<string | undefined> {
    // Outside BIGINT, PostgreSQL would refuse the parameter: no such subscriber.
    if (!Number.isSafeInteger(id)) return undefined;
    return ((await this.pool.query(SQL.emailOf, [id])).rows[0] as { email: string } | undefined)?.email;
  }

  async memberships(email: string): Promise<{ list: string; status: ListStatus }[]> {
    return (await this.pool.query(SQL.membershipsOf, [email])).rows;
  }

  async counts(): Promise<StatusCount[]> {
    return (await this.pool.query(SQL.counts)).rows;
  }

  async *subscribers(list?: string): AsyncIterable<SubscriberRecord> {
    const text = `${SQL.subscribers} ${list ? 'WHERE m.list_id = $1' : ''} ORDER BY m.list_id, s.email`;
    const rows = streamRows<
      Omit<SubscriberRecord, 'attributes' | 'statusEvidence'> & {
        attributes: string;
        statusEvidence: string | null;
      }
    >(this.pool, text, list ? [list] : []);
    for await (const row of rows)
      yield {
        ...row,
        attributes: JSON.parse(row.attributes) as Record<string, string>,
        statusEvidence: evidenceFrom(row.statusEvidence),
      };
  }

  /** The pool belongs to the Stores that made this store: closed there, once. */
  async close(): Promise<void> {}
}

async function membership(client: Client, email: string, list: string): Promise<ListStatus | undefined> {
  return ((await client.query(SQL.membership, [email, list])).rows[0] as { status: ListStatus } | undefined)
    ?.status;
}

async function log(
  client: Client,
  subscriberId: number,
  list: string | null,
  status: string,
  at: string,
  source: string,
  evidence?: Record<string, string>,
): Promise<void> {
  await client.query(SQL.log, [subscriberId, list, status, at, source, evidenceJson(evidence)]);
}

/** The mailbox's confirmations since `since`: the address, its +tags, and (Gmail) its dotted spellings. */
async function countConfirmations(client: Client, email: string, since: Date): Promise<number> {
  const mailbox = mailboxOf(email);
  if (mergesDots(email)) {
    // Every spelling starts with the mailbox's first character: a range over the email index,
    // then each row's mailbox compared with the same function as everywhere else.
    const first = mailbox.charCodeAt(0);
    const range = [String.fromCharCode(first), String.fromCharCode(first + 1)];
    const { rows } = await client.query(SQL.confirmationsInRange, [...range, since.toISOString()]);
    return rows.filter((row: { email: string }) => mailboxOf(row.email) === mailbox).length;
  }
  const at = mailbox.lastIndexOf('@');
  const local = mailbox.slice(0, at);
  const values = [mailbox, `${local}+`, `${local},`, mailbox.slice(at), since.toISOString()];
  return ((await client.query(SQL.confirmationsOfMailbox, values)).rows[0] as { n: number }).n;
}

/** Inside a transaction: adds the address or updates its name and attributes; never lifts a "no". */
async function upsert(
  client: Client,
  list: string,
  subscriber: NewSubscriber,
  status: ListStatus,
  source: string,
  at: string,
): Promise<keyof ImportOutcome> {
  const attributes = JSON.stringify(subscriber.attributes ?? {});
  const suppressed = (await client.query(SQL.suppression, [subscriber.email])).rows[0] as
    | { reason: ListStatus }
    | undefined;
  const initial = suppressed ? suppressed.reason : status;
  let existing = (await client.query(SQL.existing, [list, subscriber.email])).rows[0] as
    | { id: number; name: string | null; attributes: string; status: ListStatus | null }
    | undefined;
  if (!existing) {
    const values = [subscriber.email, subscriber.name ?? null, attributes, at];
    const inserted = (await client.query(SQL.insertSubscriber, values)).rows[0] as { id: number } | undefined;
    if (inserted) {
      await client.query(SQL.insertMembership, [inserted.id, list, initial, at, source]);
      await log(client, inserted.id, list, initial, at, source);
      return suppressed ? 'keptOut' : 'added';
    }
    // Another transaction added the address since: it is committed now, so it is read (and locked) as existing.
    existing = (await client.query(SQL.existing, [list, subscriber.email])).rows[0]!;
  }
  const row = existing!;
  let changed = false;
  if (
    (subscriber.name ?? row.name) !== row.name ||
    (subscriber.attributes && attributes !== row.attributes)
  ) {
    const newAttributes = subscriber.attributes ? attributes : row.attributes;
    await client.query(SQL.updateSubscriber, [subscriber.name ?? row.name, newAttributes, row.id]);
    changed = true;
  }
  if (row.status === null) {
    await client.query(SQL.insertMembership, [row.id, list, initial, at, source]);
    await log(client, row.id, list, initial, at, source);
    return suppressed ? 'keptOut' : 'added';
  }
  if (KEPT_OUT.includes(row.status)) return 'keptOut';
  if (row.status !== status && !(row.status === 'subscribed' && status === 'pending')) {
    await client.query(SQL.updateMembership, [status, at, source, row.id, list]);
    await log(client, row.id, list, status, at, source);
    changed = true;
  }
  return changed ? 'updated' : 'unchanged';
}
