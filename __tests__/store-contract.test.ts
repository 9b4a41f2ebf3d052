import { ENGINES } from './helpers/engines.js';
import { bounceContract } from './store-contract/bounces.js';
import { clickContract } from './store-contract/clicks.js';
import { storesUnderTest } from './store-contract/context.js';
import { ledgerContract } from './store-contract/ledger.js';
import { mailQueueContract } from './store-contract/mail-queue.js';
import { pacingContract } from './store-contract/pacing.js';
import { rateLimitContract } from './store-contract/rate-limits.js';
import { scheduleContract } from './store-contract/schedules.js';
import { signUpContract } from './store-contract/sign-ups.js';
import { subscriberIdContract } from './store-contract/subscriber-ids.js';
import { subscriberContract } from './store-contract/subscribers.js';

/**
 * Every store behaviour, tested once and run against each engine (helpers/engines.ts) on a fresh
 * database: what a consumer may rely on whichever engine the site runs on. A second opening of the
 * same database stands for another process (another worker, another `serve`). What only one engine
 * has (PostgreSQL's connection failures, advisory-lock migration and schema parity; SQLite's file
 * handling) is tested in postgres-store.test.ts and subscribers.test.ts.
 */
describe.each(ENGINES)('the $name stores', (engine) => {
  if (engine.skip) {
    console.warn(`SKIPPED: the store contract on ${engine.name}: ${engine.skip}`);
    test.skip(`${engine.name}: ${engine.skip}`, () => undefined);
    return;
  }
  const under = storesUnderTest(engine);

  describe('subscribers, consent log and suppressions', () => subscriberContract(under));
  describe('subscriber ids (bounce tokens)', () => subscriberIdContract(under));
  describe('sign-ups: confirmations and their cap', () => signUpContract(under));
  describe('the send ledger', () => ledgerContract(under));
  describe('the send ledger’s global pacing', () => pacingContract(under));
  describe('schedules and approvals', () => scheduleContract(under));
  describe('the service mail queue', () => mailQueueContract(under));
  describe('the service rate limits', () => rateLimitContract(under));
  describe('bounces and complaints', () => bounceContract(under));
  describe('click counts', () => clickContract(under));
});
