import type { Config } from '../content/model.js';
import type { SubscriberStore } from '../subscribers/store.js';
import type { BounceAction } from './store.js';
import type { BounceEvent } from './report.js';

/**
 * What one message from the bounce mailbox leads to. PLACEHOLDER for the IMAP reader's wiring
 * (issue 14, piece C): it classifies nothing and acts on nothing; the real one (classify, attribute
 * through the VERP token, record in the BounceStore) replaces this file at merge, keeping the names.
 */

/** What handling needs, built once per run by the CLI (src/cli/bounce-deps.ts). */
export interface BounceDeps {
  config: Config;
  subscribers: SubscriberStore;
  /** The link-signing secrets, current first: the VERP token is checked against each. */
  secrets: readonly string[];
  /** Where the message came from (`imap`), recorded with every event. */
  source: string;
  log: (line: string) => void;
}

export interface HandledMessage {
  /** Each event the message led to and what the store did with it. */
  recorded: { event: BounceEvent; action: BounceAction }[];
  /** Recipients the message named that nothing was done about, and why. */
  skipped: { address: string; reason: string }[];
}

/**
 * Handles one raw message; throws only when it could not be handled now (the store is unreachable),
 * so the reader leaves it for the next run. A message it cannot read is handled: skipped, logged.
 */
export async function handleBounceMessage(raw: Buffer, deps: BounceDeps): Promise<HandledMessage> {
  deps.log(`${deps.source}: ${raw.length} bytes read; classifying is not wired in yet`);
  return { recorded: [], skipped: [] };
}
