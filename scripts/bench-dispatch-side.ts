/**
 * One side of the dispatch and store benches, in a process of its own: `raw` sends one pre-rendered
 * message through nodemailer's pool as fast as it goes; `ours` runs a real `runSend` (ledger,
 * per-recipient fill and signed links, suppression checks) over the stores at `database` (a SQLite
 * path or a postgres:// URL, opened as `bulletin send` opens them). Several `ours` sides on one
 * PostgreSQL share one send. Reports throughput, CPU time and RSS, sampled while sending, to the parent.
 */
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { buildEmailForSend } from '../src/build/email-for-send.js';
import { loadConfig } from '../src/content/config.js';
import { buildMessage, preferencesUrl, unsubscribeUrl } from '../src/dispatch/message.js';
import { inFlightFor, runSend } from '../src/dispatch/send.js';
import { smtpTransport } from '../src/dispatch/transports.js';
import { packageRoot } from '../src/support/package-root.js';
import { type CompiledEmail, hydrateEmail } from '../src/render/email/compile.js';
import type { Config } from '../src/content/model.js';
import { parseDatabaseSetting } from '../src/store/location.js';
import { openStoresAt } from '../src/store/stores.js';

export interface SideRequest {
  side: 'raw' | 'ours';
  url: string;
  messages: number;
  connections: number;
  /** A SQLite file path or a postgres:// URL. */
  database: string;
  /** Several sides start together: each says it is ready, then waits for the parent's go. */
  startTogether?: boolean;
}

export interface SideReport {
  perSecond: number;
  /** Messages this process handed over (with several workers, its share of the send). */
  sent: number;
  /** When its sending started and ended (ms since the epoch, sub-millisecond). */
  startedAt: number;
  endedAt: number;
  /** When its last message was accepted: a worker that is done waits on the others' rows before it ends. */
  lastSentAt: number;
  /** CPU time of this process per message it sent, in ms (user + system). */
  cpuMsPerMessage: number;
  /** RSS when the send started, at its peak, and when it ended, in MB. */
  rssStartMb: number;
  rssPeakMb: number;
  rssEndMb: number;
  /**
   * At the sample where RSS peaked, in MB: this thread's V8 heap (used and reserved), memory held
   * outside it for its objects (Buffers among them), and the rest of RSS (native code and memory,
   * other threads' heaps: the SQLite ledger's writer thread), to tell which part makes a peak.
   */
  rssPeakParts: { heapUsed: number; heapTotal: number; external: number; rest: number };
  /** The process's own high-water mark, building the email included (getrusage). */
  maxRssMb: number;
}

async function main(request: SideRequest): Promise<SideReport> {
  const config = (await loadConfig(packageRoot)).config!;
  // As `bulletin send` does it: the email is laid out in a worker thread that then ends.
  const email = hydrateEmail((await buildEmailForSend(packageRoot, '2018-05-11')).layout!);
  const pool = { url: request.url, pool: true, maxConnections: request.connections, maxMessages: 100 };
  const stores =
    request.side === 'ours' ? await openStoresAt(parseDatabaseSetting('/', request.database)) : undefined;
  if (request.startTogether) await readyThenGo();
  global.gc?.();
  const rssStart = process.memoryUsage().rss;
  let peak = process.memoryUsage();
  const sample = () => {
    const now = process.memoryUsage();
    if (now.rss > peak.rss) peak = now;
  };
  const sampler = setInterval(sample, 50);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const startedAt = performance.timeOrigin + performance.now();
  let sent = request.messages;
  let lastSentAt = startedAt;
  if (!stores) {
    const raw = nodemailer.createTransport(pool as Parameters<typeof nodemailer.createTransport>[0]);
    const prepared = rawNodemailerMessage(email, config);
    let next = 0;
    // As many senders as the send keeps messages in flight: the pool's queue is never empty.
    await Promise.all(
      Array.from({ length: inFlightFor(request.connections) }, async () => {
        while (next < request.messages) {
          next++;
          await raw.sendMail(prepared);
        }
      }),
    );
    raw.close();
  } else {
    sent = 0;
    const transport = smtpTransport({ url: request.url, connections: request.connections });
    const summary = await runSend(
      {
        issue: '2018-05-11',
        list: 'weekly',
        message: (to) => buildMessage(email, config, 'weekly', to, 'bench'),
      },
      stores.subscribers,
      stores.ledger,
      transport,
      {
        onProgress: (event) => {
          if (event.state !== 'sent') return;
          sent++;
          lastSentAt = performance.timeOrigin + performance.now();
        },
        concurrency: inFlightFor(request.connections),
        rate: 1e9,
        maxAttempts: 3,
        retryBaseMs: 100,
        pauseAfterFailures: 50,
      },
    );
    await transport.close();
    await stores.close();
    if (summary.counts.sent !== request.messages)
      throw new Error(`bench send incomplete: ${JSON.stringify(summary)}`);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const endedAt = performance.timeOrigin + performance.now();
  if (!stores) lastSentAt = endedAt;
  const used = process.cpuUsage(cpu);
  clearInterval(sampler);
  sample();
  const mb = (bytes: number) => bytes / 1024 / 1024;
  return {
    perSecond: sent / seconds,
    sent,
    startedAt,
    endedAt,
    lastSentAt,
    cpuMsPerMessage: (used.user + used.system) / 1000 / Math.max(sent, 1),
    rssStartMb: mb(rssStart),
    rssPeakMb: mb(peak.rss),
    rssPeakParts: {
      heapUsed: mb(peak.heapUsed),
      heapTotal: mb(peak.heapTotal),
      external: mb(peak.external),
      rest: mb(peak.rss - peak.heapTotal - peak.external),
    },
    rssEndMb: mb(process.memoryUsage().rss),
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

/**
 * The message as a nodemailer user would hand it over: our headers, but the HTML and text as strings
 * that nodemailer encodes itself (quoted-printable, said rather than detected), for every message.
 */
function rawNodemailerMessage(email: CompiledEmail, config: Config): Mail.Options {
  const to = 'reader0@example.org';
  const filled = email.fill({
    email: to,
    unsubscribeUrl: unsubscribeUrl(config, 'bench', 'weekly', to),
    preferencesUrl: preferencesUrl(config, 'bench', 'weekly', to),
    viewOnlineUrl: email.url,
  });
  const message = buildMessage(email, config, 'weekly', { email: to }, 'bench');
  return { ...message, html: filled.html, text: filled.text, textEncoding: 'quoted-printable' };
}

function readyThenGo(): Promise<void> {
  return new Promise((resolve) => {
    process.once('message', () => resolve());
    process.send!({ ready: true });
  });
}

const request = JSON.parse(process.argv[2] ?? '{}') as SideRequest;
main(request).then(
  (report) => process.send!(report, () => process.exit(0)),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
