import type { Config } from '../content/model.js';
import type { SubscriberStore } from '../subscribers/store.js';
import type { ServiceMailQueue } from './mail-queue.js';

const DAY = 86_400_000;

/**
 * Data minimisation: what a sign-up left behind once its confirmation link can no longer work
 * (`service.confirmDays`): the pending memberships and unused confirmations, and the service mail
 * sent before then. Never less than a day, so the per-mailbox daily cap still sees its rows.
 */
export async function purgeUnconfirmed(
  store: SubscriberStore,
  queue: ServiceMailQueue,
  config: Config,
  now: () => number,
): Promise<{ memberships: number; confirmations: number; mail: number }> {
  const before = new Date(now() - Math.max(config.service.confirmDays, 1) * DAY);
  const consent = { source: 'purge-unconfirmed', at: new Date(now()).toISOString() };
  const signUps = await store.purgeUnconfirmed(before, consent);
  const mail = await queue.purge(before);
  return { ...signUps, mail };
}
