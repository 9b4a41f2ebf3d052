import type Database from 'better-sqlite3';
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
import { openDatabase, statementCache } from './open.js';
import { BOUNCES as Q, SUBSCRIBERS } from './queries.js';

type Tally = { list: string; hard: number; soft: number; complaints: number; bouncedSent: number };

/**
 * Bounces and complaints in the site's SQLite file: each event and what it leads to (a suppression,
 * an unsubscription, with its evidence in the consent log) in one IMMEDIATE transaction, so two
 * processes reading bounces at once count a soft bounce once and never act on half an event.
 */
export class SqliteBounceStore implements BounceStore {
  private readonly db: Database.Database;
  private readonly sql: (text: string) => Database.Statement;

  constructor(path: string) {
    this.db = openDatabase(path);
    this.sql = statementCache(this.db);
  }

  async record(given: BounceEvent, policy: SoftBouncePolicy): Promise<BounceAction> {
    const at = eventTime(given);
    const event = normalizedEvent(given);
    return this.db.transaction((): BounceAction => this.apply(event, at, policy)).immediate();
  }

  async counts(issue: string): Promise<BounceCounts[]> {
    const sent = this.sql(Q.sentPerList).all(issue) as { list: string; sent: number }[];
    const heard = this.sql(Q.heardPerList).all(issue) as Tally[];
    return countsOf(
      new Map(sent.map((row) => [row.list, row.sent])),
      new Map(heard.map((row) => [row.list, row])),
    );
  }

  async close(): Promise<void> {
    this.db.close();
  }

  private apply(event: BounceEvent, at: string, policy: SoftBouncePolicy): BounceAction {
    const inserted = this.sql(Q.insert).run(
      event.source,
      event.sourceId,
      event.address,
      event.verdict,
      event.status ?? null,
      event.diagnostic ?? null,
      event.issue ?? null,
      event.list ?? null,
      at,
    );
    if (inserted.changes === 0) return 'duplicate';
    const subscriber = this.sql(Q.subscriber).get(event.address) as { id: number } | undefined;
    if (!subscriber) return 'unknown-address';
    if (event.verdict === 'delivered') return 'reset';
    if (
      event.verdict === 'soft' &&
      this.softBounces(event.address, subscriber.id, at, policy) < policy.softLimit
    )
      return 'counted';
    const consent = consentOf(event, at);
    const complained = event.verdict === 'complaint';
    this.sql(complained ? Q.suppressComplained : Q.suppressBounced).run(event.address, at, consent.source);
    this.sql(complained ? Q.complainMemberships : Q.bounceMemberships).run(at, consent.source, subscriber.id);
    this.sql(SUBSCRIBERS.logConsent).run(
      subscriber.id,
      null,
      complained ? 'complained' : 'bounced',
      at,
      consent.source,
      evidenceJson(consent.evidence),
    );
    return 'suppressed';
  }

  /** The soft bounces since the last reset in the fullest window that holds this one (record-policy.ts). */
  private softBounces(address: string, subscriberId: number, at: string, policy: SoftBouncePolicy): number {
    const { after, before } = softWindowAround(at, policy);
    const bounces = this.sql(Q.softAround).all(address, after, before) as SoftBounce[];
    const reset = this.sql(Q.lastReset).get(address, subscriberId) as { at: string | null };
    return softBounceCount(at, bounces, reset.at, policy);
  }
}
