import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ResourceLimits, Worker } from 'node:worker_threads';
import type { Config } from '../content/model.js';
import { isErrno, MISSING } from '../support/errors.js';
import { codeVersion } from './code-version.js';

/** What a prepare worker is told before its first issue (prepare-worker.ts): plain data. */
export interface PrepareSetup {
  root: string;
  /** The main thread's config, so both sides render (and key the cache) with the same one. */
  config: Config;
  /**
   * The render cache's salt, when it is used: each issue with a rendering (and a digest) is then
   * posted as its entry (prepare-worker.ts).
   */
  renderCacheSalt?: string;
}

/** What a prepare worker is sent: its setup, once and first, then the issues to prepare. */
export type PrepareMessage = { setup: PrepareSetup } | { date: string };

const WORKER_FILE = fileURLToPath(new URL('./prepare-worker.js', import.meta.url));

/** One per spare core, up to 7. Workers run only from the compiled code (lib/). */
export function spareWorkers(): number {
  return existsSync(WORKER_FILE) ? Math.min(availableParallelism(), 8) - 1 : 0;
}

/**
 * The worker's code: the bundle `npm run build` makes of it (scripts/bundle-workers.ts: ~0.3 s less
 * CPU to load, at the start of every cold build of many issues), only while it was made from the code
 * that runs now (a `tsc` alone since would leave it behind); else its own module.
 */
export function prepareWorkerCode(workerFile = WORKER_FILE): string {
  const bundle = join(dirname(workerFile), 'prepare-worker.bundle.mjs');
  try {
    const record: unknown = JSON.parse(readFileSync(`${bundle}.json`, 'utf8'));
    const madeFrom = (record as { codeVersion?: unknown } | null)?.codeVersion;
    if (madeFrom === codeVersion() && existsSync(bundle)) return bundle;
  } catch (error) {
    // No bundle made (a `tsc` alone), or its record cut short: the module itself.
    if (!isErrno(error, ...MISSING) && !(error instanceof SyntaxError)) throw error;
  }
  return workerFile;
}

let early: { workers: Worker[] } | undefined;
/** Early workers that stopped before a pool took them (one that ran out of memory while it loaded). */
const stopped = new WeakSet<Worker>();

/**
 * Starts the prepare workers before the pool that will feed them exists, and before the config they
 * will prepare with is read, so that they load the parsers while the threads that start them load
 * their own modules and the config: the build's thread does this as it starts (stages-worker.ts). A
 * pool takes them and tells them its setup; if it has too little to prepare for workers, or is
 * never made, they are stopped (`dropEarlyWorkers`, or with the thread). A module of its own, light,
 * so that starting them waits for nothing heavier.
 */
export function startPrepareWorkersEarly(limits: ResourceLimits): void {
  early ??= {
    workers: Array.from({ length: spareWorkers() }, () => {
      const worker = startWorker(limits);
      // Until a pool listens: a worker that fails before then is replaced when taken, and one whose
      // failure is not its own (too little memory) fails again under the pool's eyes.
      worker.on('error', () => undefined);
      worker.once('exit', () => stopped.add(worker));
      return worker;
    }),
  };
}

/** `count` workers for a pool, told its setup: those started early if there are any, else new ones. */
export function takePrepareWorkers(setup: PrepareSetup, count: number, limits: ResourceLimits): Worker[] {
  const started = early?.workers.filter((worker) => !stopped.has(worker)).splice(0, count) ?? [];
  if (early) early.workers = early.workers.filter((worker) => !started.includes(worker));
  dropEarlyWorkers();
  while (started.length < count) started.push(startWorker(limits));
  for (const worker of started) worker.postMessage({ setup } satisfies PrepareMessage);
  return started;
}

/** Stops the workers started early that no pool took. */
export function dropEarlyWorkers(): void {
  for (const worker of early?.workers ?? []) void worker.terminate();
  early = undefined;
}

let workerCode: string | undefined;

function startWorker(limits: ResourceLimits): Worker {
  workerCode ??= prepareWorkerCode();
  return new Worker(workerCode, { resourceLimits: limits });
}
