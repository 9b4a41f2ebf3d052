import { causeOf } from '../support/errors.js';
import type { MailboxSettings } from './imap-url.js';
import { type BounceMessageMeta, readBounceMailbox } from './imap.js';

export interface BouncePollerOptions {
  settings: MailboxSettings;
  /** Between the end of one look and the start of the next. */
  intervalMs: number;
  handle: (raw: Buffer, meta: BounceMessageMeta) => Promise<void>;
  say: (line: string) => void;
}

/**
 * Reads the bounce mailbox now and then every `intervalMs` while `bulletin serve` runs, one look at
 * a time. A look that fails (the server down, the password changed) is said and the next one tries
 * again: nothing here may end the server. Returns how to stop: no new look starts, and one under way
 * stops after its current message (or has its connection cut).
 */
export function startBouncePoller(options: BouncePollerOptions): () => Promise<void> {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const look = async () => {
    try {
      const result = await readBounceMailbox(
        { ...options.settings, signal: abort.signal, log: (line) => options.say(`bounces: ${line}`) },
        options.handle,
      );
      if (result.read)
        options.say(
          `bounces: read ${result.read}, handled ${result.handled}, failed ${result.failed}, skipped ${result.skipped}`,
        );
    } catch (error) {
      if (!abort.signal.aborted)
        options.say(`bounces: ${causeOf(error)} (trying again in ${minutes(options.intervalMs)})`);
    }
  };
  const tick = () => {
    running = look().finally(() => {
      if (!abort.signal.aborted) timer = setTimeout(tick, options.intervalMs);
    });
  };
  tick();
  return async () => {
    abort.abort();
    clearTimeout(timer);
    await running;
  };
}

function minutes(ms: number): string {
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))} seconds`;
  const n = Number((ms / 60_000).toFixed(1));
  return `${n} minute${n === 1 ? '' : 's'}`;
}
