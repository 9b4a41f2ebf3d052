/**
 * The dispatch half of `npm run bench`: 20,000 messages of the seed issue to a loopback SMTP
 * server (another process), sent by Bulletin (ledger, per-recipient fill, retries) and by raw
 * nodemailer (one pre-rendered message) with the same pool, in the same run. Target: a ratio of
 * at least 0.8, and a flat peak RSS under 250 MB with 100,000 subscribers in the store.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { runPipeline } from '../src/build/pipeline.js';
import { loadConfig } from '../src/content/config.js';
import { SqliteSendLedger } from '../src/dispatch/ledger.js';
import { buildMessage } from '../src/dispatch/message.js';
import { runSend } from '../src/dispatch/send.js';
import { smtpTransport } from '../src/dispatch/transports.js';
import { packageRoot } from '../src/package-root.js';
import { SqliteSubscriberStore } from '../src/subscribers/sqlite-store.js';

export interface DispatchBench {
  messages: number;
  oursPerSecond: number;
  rawPerSecond: number;
  peakRssMb: number;
  storeSubscribers: number;
}

const CONNECTIONS = 4;

export async function benchDispatch(messages = 20_000, storeSubscribers = 100_000): Promise<DispatchBench> {
  const work = mkdtempSync(join(tmpdir(), 'bulletin-bench-dispatch-'));
  const sink = fork(join(packageRoot, 'lib', 'scripts', 'smtp-sink.js'), [], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  try {
    const port = await new Promise<number>((resolve) => sink.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    const url = `smtp://127.0.0.1:${port}`;
    const config = (await loadConfig(packageRoot)).config!;
    const email = (await runPipeline({ root: packageRoot, dates: ['2018-05-11'], write: false })).issues[0]!.email!;
    const db = join(work, 'bench.db');
    const store = new SqliteSubscriberStore(db);
    const people = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ email: `reader${from + i}@example.org`, name: `Reader ${from + i}` }));
    await store.importSubscribers('weekly', people(0, messages), { source: 'bench' });
    await store.importSubscribers('leaders', people(messages, storeSubscribers - messages), { source: 'bench' });
    const ledger = new SqliteSendLedger(db);

    // Raw nodemailer: the same message, pre-rendered once, through the same pool.
    const raw = nodemailer.createTransport({ url, pool: true, maxConnections: CONNECTIONS, maxMessages: 100 } as Parameters<typeof nodemailer.createTransport>[0]);
    const prepared = buildMessage(email, config, 'weekly', { email: 'reader0@example.org' }, 'bench');
    let next = 0;
    const rawStart = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: CONNECTIONS * 2 }, async () => {
        while (next < messages) {
          next++;
          await raw.sendMail(prepared);
        }
      }),
    );
    const rawSeconds = Number(process.hrtime.bigint() - rawStart) / 1e9;
    raw.close();

    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
    const transport = smtpTransport({ url, connections: CONNECTIONS });
    const oursStart = process.hrtime.bigint();
    const summary = await runSend(
      { issue: '2018-05-11', list: 'weekly', message: (to) => buildMessage(email, config, 'weekly', to, 'bench') },
      store,
      ledger,
      transport,
      { concurrency: CONNECTIONS * 2, rate: 1e9, maxAttempts: 3, retryBaseMs: 100, pauseAfterFailures: 50 },
    );
    const oursSeconds = Number(process.hrtime.bigint() - oursStart) / 1e9;
    clearInterval(sampler);
    await transport.close();
    await ledger.close();
    await store.close();
    if (summary.counts.sent !== messages) throw new Error(`bench send incomplete: ${JSON.stringify(summary)}`);
    return { messages, oursPerSecond: messages / oursSeconds, rawPerSecond: messages / rawSeconds, peakRssMb: peak / 1024 / 1024, storeSubscribers };
  } finally {
    sink.kill();
    rmSync(work, { recursive: true, force: true });
  }
}
