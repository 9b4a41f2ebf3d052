import type pg from 'pg';
import {
  consentOf,
  countsOf,
  eventTime,
  normalizedEvent,
  type SoftBounce,
  softBounceCount,
  softWindowAround,
} from '../../bounces/record-policy.js';
import type { BounceEvent } from '../../bounces/report.js';
import type { BounceAction, BounceCounts, BounceStore, SoftBouncePolicy } from '../../bounces/store.js';
import { evidenceJson } from '../../subscribers/store.js';
import { inTransaction } from './pool.js';
import { BOUNCE_SQL as SQL, SUBSCRIBER_SQL } from './queries.js';

type Tally = { list: string; hard: number; soft: number; complaints: number; bouncedSent: number };

/**
 * Bounces and complaints on PostgreSQL, as on SQLite (sqlite/bounces.ts): each event and what it leads
 * to in one transaction; the events of one address are serialised (an advisory lock), so two servers
 * reading the same bounces count a soft bounce once.
 */
export class PostgresBounceStore implements BounceStore {
  constructor(private readonly pool: pg.Pool) {}

  async record(given: BounceEvent, policy: SoftBouncePolicy): Promise<BounceAction> {
    const at = eventTime(given);
    const event = normalizedEvent(given);
    return inTransaction(this.pool, (client) => apply(client, event, at, policy));
  }

  async counts(issue: string): Promise<BounceCounts[]> {
    const sent = (await this.pool.query(SQL.sentPerList, [issue])).rows as { list: string; sent: number }[];
    const heard = (await this.pool.query(SQL.heardPerList, [issue])).rows as Tally[];
    return countsOf(
      new Map(sent.map((row) => [row.list, row.sent])),
      new Map(heard.map((row) => [row.list, row])),
    );
  }
}

async function apply(
  client: pg.PoolClient,
  event: BounceEvent,
  at: string,
  policy: SoftBouncePolicy,
): Promise<BounceAction> {
  await client.query(SQL.lockAddress, [event.address]);
  const inserted = await client.query(SQL.insert, [
    event.source,
    event.sourceId,
    event.address,
    event.verdict,
    event.status ?? null,
    event.diagnostic ?? null,
    event.issue ?? null,
    event.list ?? null,
    at,
  ]);
  if (inserted.rowCount === 0) return 'duplicate';
  const subscriber = (await client.query(SQL.subscriber, [event.address])).rows[0] as
    | { id: number }
    | undefined;
  if (!subscriber) return 'unknown-address';
  if (event.verdict === 'delivered') return 'reset';
  if (
    event.verdict === 'soft' &&
    (await softBounces(client, event.address, subscriber.id, at, policy)) < policy.softLimit
  )
    return 'counted';
  const consent = consentOf(event, at);
  const complained = event.verdict === 'complaint';
  await client.query(complained ? SQL.suppressComplained : SQL.suppressBounced, [
    event.address,
    at,
    consent.source,
  ]);
  await client.query(complained ? SQL.complainMemberships : SQL.bounceMemberships, [
    at,
    consent.source,
    subscriber.id,
  ]);
  await client.query(SUBSCRIBER_SQL.log, [
    subscriber.id,
    null,
    complained ? 'complained' : 'bounced',
    at,
    consent.source,
    evidenceJson(consent.evidence),
  ]);
  return 'suppressed';
}

/** The soft bounces since the last reset in the fullest window that holds this one (record-policy.ts). */
async function softBounces(
  client: pg.PoolClient,
  address: string,
  subscriberId: number,
  at: string,
  policy: SoftBouncePolicy,
): Promise<number> {
  const { after, before } = softWindowAround(at, policy);
  const bounces = await client.query<SoftBounce>(SQL.softAround, [address, after, before]);
  const reset = await client.query<{ at: string | null }>(SQL.lastReset, [address, subscriberId]);
  return softBounceCount(at, bounces.rows, reset.rows[0]!.at, policy);
}
