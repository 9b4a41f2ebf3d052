import { createHash } from 'node:crypto';
import type { Config } from '../content/model.js';
import type { SubscriberStore } from '../subscribers/store.js';
import { attributeReport } from './attribute.js';
import { classifyMessage } from './classify/index.js';
import type { BounceEvent, BounceReport } from './report.js';
import type { BounceAction, BounceStore } from './store.js';

/** What handling needs, built once per run by whoever reads the messages (src/cli/bounce-mailbox.ts). */
export interface BounceDeps {
  config: Config;
  subscribers: Pick<SubscriberStore, 'emailOf'>;
  bounces: BounceStore;
  /** The link-signing secrets, current first: the VERP token is checked against each. */
  secrets: readonly string[];
  /** Where the message came from (`imap`), recorded with every event. */
  source: string;
  log: (line: string) => void;
}

export interface HandledMessage {
  report: BounceReport;
  /** Each event the message led to and what the store did with it. */
  recorded: { event: BounceEvent; action: BounceAction }[];
  /** Recipients the message named that nothing was done about, and why. */
  skipped: { address: string; reason: string }[];
}

/**
 * One message from the bounce mailbox: classified, tied to its send through the VERP token, and
 * recorded (suppressing, counting or resetting). Throws only when it could not be handled now (the
 * store is unreachable), so the reader leaves it for the next run; a message it cannot read or
 * attribute is handled: skipped, and said in the log.
 */
export async function handleBounceMessage(raw: Buffer, deps: BounceDeps): Promise<HandledMessage> {
  const report = await classifyMessage(raw);
  const { events, skipped } = await attributeReport(report, {
    secrets: deps.secrets,
    lists: deps.config.lists.map((list) => list.id),
    emailOf: (id) => deps.subscribers.emailOf(id),
    source: deps.source,
    rawDigest: createHash('sha256').update(raw).digest('hex'),
  });
  const recorded = await recordEvents(events, deps);
  const name = report.messageId ?? `a message of ${raw.length} bytes without a Message-ID`;
  for (const { address, reason } of skipped)
    deps.log(`${deps.source}: ${name} (${report.format}): skipped ${address || 'no recipient'}: ${reason}`);
  for (const { event, action } of recorded)
    deps.log(`${deps.source}: ${name}: ${event.verdict} ${event.status ?? ''} ${event.address}: ${action}`);
  return { report, recorded, skipped };
}

/** Events already trusted (a verified webhook, an attributed report), recorded one by one, in order. */
export async function recordEvents(
  events: readonly BounceEvent[],
  deps: Pick<BounceDeps, 'config' | 'bounces'>,
): Promise<{ event: BounceEvent; action: BounceAction }[]> {
  const { softLimit, softDays } = deps.config.dispatch.bounces;
  const recorded: { event: BounceEvent; action: BounceAction }[] = [];
  for (const event of events)
    recorded.push({ event, action: await deps.bounces.record(event, { softLimit, softDays }) });
  return recorded;
}
