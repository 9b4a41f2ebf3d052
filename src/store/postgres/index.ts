import type { Stores } from '../interface.js';
import { PostgresApprovalStore } from './approvals.js';
import { PostgresBounceStore } from './bounces.js';
import { PostgresClickStore } from './clicks.js';
import { PostgresSendLedger } from './ledger.js';
import { PostgresServiceMailQueue } from './mail-queue.js';
import { migratePostgres } from './migrations.js';
import { connectionFailure, openPool, redactUrl } from './pool.js';
import { PostgresRateLimitStore } from './rate-limits.js';
import { PostgresScheduleStore } from './schedules.js';
import { PostgresSubscriberStore } from './subscribers.js';

/**
 * Every store on one PostgreSQL database (one pool shared by all), migrated on open. A server
 * that cannot be reached, a refused login or a missing database is a SetupError naming the URL
 * without its password.
 */
export async function openPostgresStores(url: string): Promise<Stores> {
  const where = redactUrl(url);
  const pool = await openPool(url);
  try {
    await migratePostgres(pool, where);
  } catch (error) {
    await pool.end();
    throw connectionFailure(url, error);
  }
  let closing: Promise<void> | undefined;
  return {
    engine: 'postgres',
    where,
    subscribers: new PostgresSubscriberStore(pool),
    ledger: new PostgresSendLedger(pool),
    schedules: new PostgresScheduleStore(pool),
    approvals: new PostgresApprovalStore(pool),
    mailQueue: new PostgresServiceMailQueue(pool),
    rateLimits: new PostgresRateLimitStore(pool),
    bounces: new PostgresBounceStore(pool),
    clicks: new PostgresClickStore(pool),
    close() {
      closing ??= pool.end();
      return closing;
    },
  };
}
