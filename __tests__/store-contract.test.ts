import type { Stores } from '../src/store/stores.js';
import { ENGINES } from './helpers/engines.js';
import { mailQueueContract } from './store-contract/mail-queue.js';
import { scheduleContract } from './store-contract/schedules.js';
import { subscriberContract } from './store-contract/subscribers.js';

/**
 * Every store behaviour, tested once and run against each engine (helpers/engines.ts) on a fresh
 * database: what a consumer may rely on whichever engine the site runs on.
 */
describe.each(ENGINES)('the $name stores', (engine) => {
  if (engine.skip) {
    test.skip(`${engine.name}: ${engine.skip}`, () => undefined);
    return;
  }
  let stores: Stores | undefined;
  beforeEach(async () => {
    stores = await engine.open();
  });
  afterEach(async () => {
    await stores?.close();
    stores = undefined;
  });
  const current = () => {
    if (!stores) throw new Error('the stores are not open');
    return stores;
  };

  describe('subscribers, consent log and suppressions', () => subscriberContract(engine, current));
  describe('schedules and approvals', () => scheduleContract(current));
  describe('the service mail queue', () => mailQueueContract(current));
});
