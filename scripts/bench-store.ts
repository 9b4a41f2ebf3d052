/**
 * The store half of `npm run bench` (`-- --store`): one send of the seed issue to a loopback SMTP
 * server (its own process, smtp-sink.ts) by raw nodemailer, by one worker on SQLite, by one worker
 * on PostgreSQL, and by two workers (two processes) sharing one send on PostgreSQL, in rounds that
 * alternate the four, with 100,000 subscribers in the store. PostgreSQL is a throwaway cluster
 * started here (postgres-cluster.ts, as the tests start theirs), fsync and synchronous_commit on.
 * Each side is a process of its own (bench-dispatch-side.ts); the CPU of the SMTP sink and of the
 * PostgreSQL server (its backends included) is read from /proc around each side.
 */
import { fork } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStoresAt } from '../src/store/stores.js';
import { parseDatabaseSetting } from '../src/store/location.js';
import { packageRoot } from '../src/support/package-root.js';
import { CONNECTIONS, runSide, startSide } from './bench-dispatch.js';
import type { SideReport, SideRequest } from './bench-dispatch-side.js';
import {
  type Cluster,
  clusterUrl,
  createDatabase,
  postgresBin,
  postmasterPid,
  startCluster,
  stopCluster,
} from './postgres-cluster.js';
import { processCpuMs, processTreeCpuMs } from './proc-cpu.js';

export type StoreSide = 'raw' | 'sqlite' | 'postgres' | 'postgres x2';
export const STORE_SIDES: readonly StoreSide[] = ['raw', 'sqlite', 'postgres', 'postgres x2'];

export interface StoreRun {
  /** Messages per second of the whole send, first start to last message accepted. */
  perSecond: number;
  /** One report per worker process (two for 'postgres x2'). */
  workers: SideReport[];
  /** CPU ms per message of the SMTP sink and of PostgreSQL (all its processes) during the run. */
  sinkCpuMsPerMessage?: number;
  postgresCpuMsPerMessage?: number;
}

export interface StoreBench {
  messages: number;
  storeSubscribers: number;
  rounds: Record<StoreSide, StoreRun>[];
}

export async function benchStore(
  messages = 10_000,
  storeSubscribers = 100_000,
  rounds = 3,
  /** Called as each round ends: on a busy machine a run is long, and a cut-short one still tells something. */
  onRound?: (round: Record<StoreSide, StoreRun>, index: number) => void,
): Promise<StoreBench | { skipped: string }> {
  if (!postgresBin())
    return {
      skipped:
        'PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb; apt-get install postgresql)',
    };
  const work = mkdtempSync(join(tmpdir(), 'bulletin-bench-store-'));
  const sink = fork(join(packageRoot, 'lib', 'scripts', 'smtp-sink.js'), [], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  let cluster: Cluster | undefined;
  try {
    const port = await new Promise<number>((resolve) =>
      sink.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))),
    );
    cluster = await startCluster();
    const seeds = await seedBoth(cluster, work, messages, storeSubscribers);
    const url = `smtp://127.0.0.1:${port}`;
    const results: StoreBench['rounds'] = [];
    let fresh = 0;
    for (let round = 0; round < rounds; round++) {
      const runs = {} as Record<StoreSide, StoreRun>;
      for (const side of STORE_SIDES) {
        // Each send starts from the seeded store with an empty ledger.
        const database = side === 'raw' ? '' : await copyOfSeed(cluster, seeds, side, ++fresh, work);
        const request: SideRequest = {
          side: side === 'raw' ? 'raw' : 'ours',
          url,
          messages,
          connections: CONNECTIONS,
          database,
        };
        runs[side] = await measured(cluster, sink.pid!, messages, () =>
          runWorkers(request, side === 'postgres x2' ? 2 : 1),
        );
      }
      results.push(runs);
      onRound?.(runs, round);
    }
    return { messages, storeSubscribers, rounds: results };
  } finally {
    sink.kill();
    if (cluster) stopCluster(cluster);
    rmSync(work, { recursive: true, force: true });
  }
}

interface Seeds {
  sqlite: string;
  postgres: string;
}

/** The subscribers, once per engine: the send list holds `messages` people, another list the rest. */
async function seedBoth(cluster: Cluster, work: string, messages: number, total: number): Promise<Seeds> {
  const people = (from: number, count: number) =>
    Array.from({ length: count }, (_, i) => ({
      email: `reader${from + i}@example.org`,
      name: `Reader ${from + i}`,
    }));
  const seeds = { sqlite: join(work, 'seed.db'), postgres: await createDatabase(cluster, 'seed') };
  for (const database of [seeds.sqlite, seeds.postgres]) {
    const stores = await openStoresAt(parseDatabaseSetting('/', database));
    await stores.subscribers.importSubscribers('weekly', people(0, messages), { source: 'bench' });
    await stores.subscribers.importSubscribers('leaders', people(messages, Math.max(0, total - messages)), {
      source: 'bench',
    });
    await stores.close();
  }
  return seeds;
}

async function copyOfSeed(
  cluster: Cluster,
  seeds: Seeds,
  side: StoreSide,
  n: number,
  work: string,
): Promise<string> {
  if (side === 'sqlite') {
    const path = join(work, `run${n}.db`);
    copyFileSync(seeds.sqlite, path);
    return path;
  }
  const admin = new pg.Client({ connectionString: clusterUrl(cluster, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE run${n} TEMPLATE seed`);
  } finally {
    await admin.end();
  }
  return clusterUrl(cluster, `run${n}`);
}

/** `count` worker processes on one send, started together once each has set up. */
async function runWorkers(request: SideRequest, count: number): Promise<SideReport[]> {
  if (count === 1) return [await runSide(request)];
  const sides = Array.from({ length: count }, () => startSide({ ...request, startTogether: true }));
  await Promise.all(sides.map((side) => side.ready));
  for (const side of sides) side.go();
  return Promise.all(sides.map((side) => side.report));
}

async function measured(
  cluster: Cluster,
  sinkPid: number,
  messages: number,
  run: () => Promise<SideReport[]>,
): Promise<StoreRun> {
  const server = postmasterPid(cluster);
  const sinkBefore = processCpuMs(sinkPid);
  const serverBefore = processTreeCpuMs(server);
  const workers = await run();
  const sinkAfter = processCpuMs(sinkPid);
  const serverAfter = processTreeCpuMs(server);
  const start = Math.min(...workers.map((worker) => worker.startedAt));
  const end = Math.max(...workers.map((worker) => worker.lastSentAt));
  const perMessage = (before?: number, after?: number) =>
    before === undefined || after === undefined ? undefined : (after - before) / messages;
  const sinkCpu = perMessage(sinkBefore, sinkAfter);
  const serverCpu = perMessage(serverBefore, serverAfter);
  return {
    perSecond: messages / ((end - start) / 1000),
    workers,
    ...(sinkCpu === undefined ? {} : { sinkCpuMsPerMessage: sinkCpu }),
    ...(serverCpu === undefined ? {} : { postgresCpuMsPerMessage: serverCpu }),
  };
}
