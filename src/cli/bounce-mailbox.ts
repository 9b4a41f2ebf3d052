import { type BounceDeps, handleBounceMessage, recordEvents } from '../bounces/act.js';
import type { BounceEvent } from '../bounces/report.js';
import type { MailboxSettings } from '../bounces/imap-url.js';
import type { BounceMessageMeta } from '../bounces/imap.js';
import type { Config } from '../content/model.js';
import { SetupError } from '../diagnostics/setup-error.js';
import type { Stores } from '../store/stores.js';

/** The variable holding the bounce mailbox's password: the config never holds it. */
export const PASSWORD_VARIABLE = 'BULLETIN_BOUNCES_IMAP_PASSWORD';

/**
 * The bounce mailbox of `dispatch.bounces.imap` with its password, or undefined when none is
 * configured; a SetupError when one is but its password is not in the environment.
 */
export function mailboxSettings(
  config: Config,
  env: NodeJS.ProcessEnv = process.env,
): MailboxSettings | undefined {
  const imap = config.dispatch.bounces.imap;
  if (!imap) return undefined;
  const password = env[PASSWORD_VARIABLE];
  if (!password)
    throw new SetupError(
      `${PASSWORD_VARIABLE} is not set; the bounce mailbox ${imap.url} (dispatch.bounces.imap) needs its password there.`,
    );
  return { url: imap.url, password, folder: imap.folder, processedFolder: imap.processedFolder };
}

/**
 * What the reader calls for each message: `handleBounceMessage` (src/bounces/act.ts) with what it
 * needs from this site, the same for `bulletin bounces fetch` and the poller of `bulletin serve`.
 */
export function bounceHandler(
  config: Config,
  stores: Stores,
  secrets: readonly string[],
  log: (line: string) => void,
): (raw: Buffer, meta: BounceMessageMeta) => Promise<void> {
  const deps: BounceDeps = {
    config,
    subscribers: stores.subscribers,
    bounces: stores.bounces,
    secrets,
    source: 'imap',
    log,
  };
  return async (raw) => {
    await handleBounceMessage(raw, deps);
  };
}

/**
 * What `bulletin serve` does with the events of a verified provider webhook: records each (suppress,
 * count, reset) and says how many of which kind and what came of them, never an address.
 */
export function webhookRecorder(
  config: Config,
  stores: Stores,
  say: (line: string) => void,
): (events: BounceEvent[]) => Promise<void> {
  return async (events) => {
    const recorded = await recordEvents(events, { config, bounces: stores.bounces });
    const counts = new Map<string, number>();
    for (const { event, action } of recorded) {
      const key = `${event.source} ${event.verdict} ${action}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    if (counts.size) say(`webhooks: ${[...counts].map(([key, n]) => `${n} ${key}`).join(', ')}`);
  };
}
