/**
 * The dispatch half of `npm run bench`: 20,000 messages of the seed issue to a loopback SMTP
 * server (another process), sent by Bulletin (ledger, per-recipient fill, retries) and by raw
 * nodemailer (one pre-rendered message) with the same pool, in the same run. Each side runs in
 * its own process (bench-dispatch-side.ts), so one's heap does not show in the other's RSS, and
 * the two alternate so a noisy neighbour hurts both alike. Targets: a throughput ratio of at
 * least 0.95 (issue 15; 0.8 in the first plan), and a flat peak RSS under 250 MB with 100,000
 * subscribers in the store.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/support/package-root.js';
import { SqliteSubscriberStore } from '../src/store/sqlite/subscribers.js';
import type { SideReport, SideRequest } from './bench-dispatch-side.js';
import { NODE_FLAGS } from '../src/cli/node-flags.js';

export interface DispatchBench {
  messages: number;
  storeSubscribers: number;
  /** One entry per round, side by side. */
  rounds: { raw: SideReport; ours: SideReport }[];
}

export const CONNECTIONS = 4;

export async function benchDispatch(
  messages = 20_000,
  storeSubscribers = 100_000,
  rounds = 2,
): Promise<DispatchBench> {
  const work = mkdtempSync(join(tmpdir(), 'bulletin-bench-dispatch-'));
  const sink = fork(join(packageRoot, 'lib', 'scripts', 'smtp-sink.js'), [], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  try {
    const port = await new Promise<number>((resolve) =>
      sink.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))),
    );
    const people = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => ({
        email: `reader${from + i}@example.org`,
        name: `Reader ${from + i}`,
      }));
    const results: DispatchBench['rounds'] = [];
    for (let round = 0; round < rounds; round++) {
      // A fresh store each round: the send list holds `messages` people, another list the rest.
      const database = join(work, `round${round}.db`);
      const store = new SqliteSubscriberStore(database);
      await store.importSubscribers('weekly', people(0, messages), { source: 'bench' });
      await store.importSubscribers('leaders', people(messages, Math.max(0, storeSubscribers - messages)), {
        source: 'bench',
      });
      await store.close();
      const request = { url: `smtp://127.0.0.1:${port}`, messages, connections: CONNECTIONS, database };
      const raw = await runSide({ ...request, side: 'raw' });
      const ours = await runSide({ ...request, side: 'ours' });
      results.push({ raw, ours });
    }
    return { messages, storeSubscribers, rounds: results };
  } finally {
    sink.kill();
    rmSync(work, { recursive: true, force: true });
  }
}

/** One side in a process of its own, to its report. */
export function runSide(request: SideRequest): Promise<SideReport> {
  return startSide(request).report;
}

export interface StartedSide {
  pid: number;
  /** Resolves when a side asked to start together has set up and waits for `go`. */
  ready: Promise<void>;
  go(): void;
  report: Promise<SideReport>;
}

export function startSide(request: SideRequest): StartedSide {
  const child = fork(
    join(packageRoot, 'lib', 'scripts', 'bench-dispatch-side.js'),
    [JSON.stringify(request)],
    {
      // Ours with the flags `bulletin send` runs with, raw nodemailer with node's own.
      // BENCH_SIDE_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" profiles every side.
      execArgv: [
        ...(request.side === 'ours' ? NODE_FLAGS : []),
        '--expose-gc',
        ...(process.env.BENCH_SIDE_NODE_ARGS ?? '').split(/\s+/).filter(Boolean),
      ],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  let report: SideReport | undefined;
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.on('message', (message) => {
    if ((message as { ready?: boolean }).ready) onReady();
    else report = message as SideReport;
  });
  return {
    pid: child.pid!,
    ready,
    go: () => child.send('go'),
    report: new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code) =>
        report
          ? resolve(report)
          : reject(new Error(`the ${request.side} bench process exited with ${code} and no report`)),
      );
    }),
  };
}
