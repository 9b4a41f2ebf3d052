import type { Config } from '../content/model.js';
import type { SubscriberStore } from '../subscribers/store.js';
import type { CompiledEmail } from '../render/email/compile.js';
import { buildMessage } from '../dispatch/message.js';
import { inFlightFor, runSend, settingsFromConfig } from '../dispatch/send.js';
import type { SendLedger } from '../dispatch/ledger.js';
import type { Transport } from '../dispatch/transports.js';
import { EXIT_FAILED, EXIT_OK } from './exit.js';
import { printJson, say } from './io.js';
import { SendProgress } from './progress.js';

export interface ListSend {
  root: string;
  config: Config;
  date: string;
  list: string;
  email: CompiledEmail;
  secret: string;
  store: SubscriberStore;
  ledger: SendLedger;
  transport: Transport;
  /** From flags; the config's settings otherwise. */
  rate: number | undefined;
  window: { messages: number; ms: number } | undefined;
  connections: number;
  resendUnknown: boolean;
  json: boolean;
}

/**
 * The terminal side of a send: the ledger run with a progress line, Ctrl-C (and SIGTERM) to stop
 * claiming new messages while those in flight finish, and the summary. A second Ctrl-C leaves at
 * once; what was in flight is then reported as unknown by the next run, never resent by itself.
 */
export async function sendToList(job: ListSend): Promise<number> {
  const { config, date, list, ledger } = job;
  const abort = new AbortController();
  const stop = () => {
    if (abort.signal.aborted) {
      say(
        '\nStopped at once. Messages that were in flight will show as unknown; run the send again to see them.',
      );
      // Outcomes already known but still waiting for their group commit are written first.
      void ledger.close().finally(() => process.exit(130));
      return;
    }
    say('\nStopping: no new messages; waiting for those in flight (Ctrl-C again to leave at once).');
    abort.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const progress = new SendProgress(process.stderr);
  try {
    const summary = await runSend(
      { issue: date, list, message: (to) => buildMessage(job.email, config, list, to, job.secret) },
      job.store,
      ledger,
      job.transport,
      {
        ...settingsFromConfig(config.dispatch),
        concurrency: inFlightFor(job.connections),
        ...(job.rate ? { rate: job.rate } : {}),
        ...(job.window ? { window: job.window } : {}),
        resendUnknown: job.resendUnknown,
        signal: abort.signal,
        onStart({ toSend, counts }) {
          const already = counts.sent + counts.failed + counts.unknown + counts.skipped;
          say(
            `Sending ${date} to ${list} through ${job.transport.name}: ${toSend} to send${already ? `, ${already} already done by an earlier run` : ''}.`,
          );
          progress.start(toSend);
        },
        onProgress(event) {
          progress.record(event.state);
          if (event.state === 'failed' || event.state === 'unknown') {
            if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
            say(`${event.email}: ${event.state}: ${event.detail ?? ''}`);
          }
        },
        onWait(until) {
          progress.waiting(until);
        },
      },
    );
    progress.finish();
    const c = summary.counts;
    say(
      `${date} to ${list}: ${c.sent} sent, ${c.failed} failed, ${c.unknown} unknown, ${c.skipped} skipped, ${c.pending} pending.`,
    );
    if (summary.interrupted)
      say(
        `${summary.interrupted} message(s) were being sent when an earlier run stopped: outcome unknown, not resent (use --resend-unknown deliberately).`,
      );
    if (summary.stopped) say(summary.stopped);
    if (job.json) printJson({ ok: !summary.stopped && c.pending === 0, ...summary });
    return !summary.stopped && c.pending === 0 && c.failed === 0 && c.unknown === 0 ? EXIT_OK : EXIT_FAILED;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
