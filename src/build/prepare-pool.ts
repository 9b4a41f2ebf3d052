import type { Worker } from 'node:worker_threads';
import type { Config } from '../content/model.js';
import { dropEarlyWorkers, spareWorkers, takePrepareWorkers } from './prepare-workers.js';
import { unpacked } from '../render/rendered-issue.js';
import { fromCache, type PostedIssue, type PreparedIssue } from './prepared-issue.js';
import { fromCacheEntry, type RenderCache } from './render-cache.js';
import { threadSettings } from './thread-limits.js';
import { nextTurn } from '../support/next-turn.js';

/**
 * Jobs a worker holds at once: one to work on and the rest waiting, so it never idles while this
 * thread is busy. A worker is fed only when this thread takes its messages, between issues, and one
 * issue prepared here and its email can outlast several of the worker's: with 4 in hand the worker
 * was idle 10-25 % of a cold `check --all` once plain paragraphs made its jobs cheap (cpu profile,
 * by half second); with 12, under 3 % until the queue ran out.
 */
const JOBS_IN_HAND = 12;

interface Job {
  date: string;
}

/** Prepares many issues and returns them in the order of `dates` (see `preparedAsReady`). */
export async function prepareIssues(
  root: string,
  dates: readonly string[],
  config: Config,
  cache: RenderCache | undefined,
): Promise<PreparedIssue[]> {
  const results = new Map<string, PreparedIssue>();
  for await (const prepared of preparedAsReady(root, dates, config, cache))
    results.set(prepared.date, prepared);
  return dates.map((date) => results.get(date)!);
}

export interface PreparingOptions {
  /** Told once no issue is left to prepare, before the ones still waiting are yielded. */
  onAllPrepared?: () => void;
  /** Each issue folder's `issueDigest`, when the caller read them already (the build memo). */
  issueDigests?: Readonly<Record<string, string>>;
  /**
   * Whether this thread prepares issues too while workers do (default true). A caller that makes an
   * email of most issues says no: each email costs this thread more than an issue costs a worker, so
   * it only ever prepared the first few while it waited, and loading the parsers for them cost it
   * ~0.6 s of CPU at the start of a cold `build --all`, on two cores shared with the worker's own.
   */
  helpPreparing?: boolean;
  /**
   * Run once, the first time this thread has nothing to do but wait for the workers: at the start of
   * a cold run it waits for their first issues while they load the parsers, and what it will need
   * next (MJML, ~0.2 s to load) can be loaded then rather than after the first issue arrives.
   */
  whileWaiting?: () => void;
  /** Told once the worker threads are started (or none is), before any issue is prepared by them. */
  onWorkersStarted?: () => void;
  /**
   * Work this thread does only when it would otherwise wait for the workers (no prepared issue is
   * ready): a piece of it each time, until it says it has none left (false). Asked again each time
   * it waits, so what it is given meanwhile is done then too.
   */
  idleWork?: () => Promise<boolean>;
}

/**
 * Prepares many issues, yielding each as soon as it is ready, in no set order: unchanged ones from
 * the cache, the rest shared out from one queue between worker threads (one per spare core) and
 * this thread, since parsing Markdown is most of a cold build. This thread takes a job from the
 * queue only when no prepared issue is waiting (and, unless it helps, no worker is left), so
 * whatever the caller does with each one (its email) runs while the workers go on parsing. Workers
 * run only from the compiled code (lib/).
 */
export async function* preparedAsReady(
  root: string,
  dates: readonly string[],
  config: Config,
  cache: RenderCache | undefined,
  {
    onAllPrepared,
    issueDigests = {},
    helpPreparing = true,
    whileWaiting,
    onWorkersStarted,
    idleWork,
  }: PreparingOptions = {},
): AsyncGenerator<PreparedIssue> {
  const { parallelFrom, prepareWorkerLimits } = threadSettings();
  const queue: Job[] = [];
  for (const date of dates) {
    const digest = Object.hasOwn(issueDigests, date) ? issueDigests[date] : undefined;
    const prepared = fromCache(root, date, cache, digest);
    if (prepared) yield prepared;
    else queue.push({ date });
  }
  const spare = spareWorkers();
  const parallel = spare > 0 && queue.length >= parallelFrom;
  if (!parallel) dropEarlyWorkers();
  const setup = { root, config, ...(cache ? { renderCacheSalt: cache.salt } : {}) };
  const pool = new WorkerPool(
    // No more workers than have jobs in hand at once: one with none would only load the toolchain.
    parallel
      ? takePrepareWorkers(
          setup,
          Math.min(spare, Math.ceil(queue.length / JOBS_IN_HAND)),
          prepareWorkerLimits,
        )
      : [],
    queue,
    cache,
  );
  onWorkersStarted?.();
  let told = false;
  let failing = true;
  let waitedBefore = false;
  const tell = () => {
    if (told || queue.length > 0 || !pool.idle()) return;
    told = true;
    onAllPrepared?.();
  };
  try {
    while (true) {
      tell();
      const ready = pool.takeReady();
      if (ready) {
        yield ready;
        await workerMessagesIn();
        continue;
      }
      // Without workers (none started, or all of them gone) this thread prepares everything.
      const job = helpPreparing || pool.idle() ? queue.shift() : undefined;
      if (job) {
        const { prepareFresh } = await preparing();
        const prepared = await prepareFresh(root, job.date, config, cache);
        tell();
        yield prepared;
        await workerMessagesIn();
        continue;
      }
      if (pool.idle()) {
        failing = false;
        return;
      }
      if (whileWaiting && !waitedBefore) {
        waitedBefore = true;
        whileWaiting();
        // What the workers posted meanwhile is let in before waiting for more.
        await workerMessagesIn();
        continue;
      }
      if (idleWork && (await idleWork())) {
        await workerMessagesIn();
        continue;
      }
      await pool.nextMessage();
    }
  } finally {
    await pool.stop();
    await pool.stored(failing);
  }
}

let parsers: Promise<typeof import('./prepare.js')> | undefined;

/** The preparing toolchain (the parsers, the renderer), loaded when this thread first prepares an issue. */
function preparing(): Promise<typeof import('./prepare.js')> {
  parsers ??= import('./prepare.js');
  return parsers;
}

/**
 * Lets the workers' messages in between issues, rather than all at the end: a worker is fed its next
 * job only as its last one is taken. An email made from a ready issue awaits nothing but promises,
 * which run before any message; without this turn of the event loop, a run of ready issues kept every
 * message out, and the worker idle 8 % of a cold `check --all` (cpu profile, by half second).
 */
function workerMessagesIn(): Promise<void> {
  return nextTurn();
}

/** A posted issue as the stages take it: read from its cache entry, or its rendering unpacked. */
function preparedOf(posted: PostedIssue): PreparedIssue {
  if ('entry' in posted) {
    const { entry, ...rest } = posted;
    return { ...rest, ...fromCacheEntry(entry) };
  }
  const { rendered, ...rest } = posted;
  return { ...rest, ...(rendered ? { rendered: unpacked(rendered) } : {}) };
}

/** Worker threads fed from a shared queue; what they prepare waits in `ready` until taken. */
class WorkerPool {
  private readonly ready: PostedIssue[] = [];
  private readonly inHand = new Map<Worker, Job[]>();
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private readonly storing: Promise<void>[] = [];

  constructor(workers: Worker[], queue: Job[], cache?: RenderCache) {
    for (const worker of workers) {
      this.inHand.set(worker, []);
      worker.on('message', (posted: PostedIssue) => {
        const jobs = this.inHand.get(worker);
        if (!jobs) return;
        const done = jobs.findIndex((job) => job.date === posted.date);
        if (done >= 0) jobs.splice(done, 1);
        if ('entry' in posted && cache) {
          // Copied to the write thread: the issue is read from these bytes when it is taken.
          const storing = cache.storeEntry(posted.date, posted.entry);
          // A cache that cannot be written only costs the next run time (the store says nothing); any
          // other failure is the run's, reported as a worker's would be.
          storing.catch((error: unknown) =>
            this.fail(error instanceof Error ? error : new Error(String(error))),
          );
          this.storing.push(storing);
        }
        this.ready.push(posted);
        this.feed(worker, queue);
        this.notify();
      });
      worker.once('error', (error: Error & { code?: string }) => {
        const jobs = this.inHand.get(worker);
        // Its jobs go back to the front of the queue, for this thread (or another worker) to prepare.
        if (error.code === 'ERR_WORKER_OUT_OF_MEMORY' && jobs) {
          this.inHand.delete(worker);
          queue.unshift(...jobs);
          this.notify();
        } else this.fail(error);
      });
      worker.once('exit', (code) => {
        if (code !== 0 && this.inHand.has(worker))
          this.fail(new Error(`a build worker stopped with exit code ${code}`));
        this.inHand.delete(worker);
        this.notify();
      });
      for (let j = 0; j < JOBS_IN_HAND; j++) this.feed(worker, queue);
    }
  }

  takeReady(): PreparedIssue | undefined {
    if (this.failure) throw this.failure;
    const posted = this.ready.shift();
    return posted && preparedOf(posted);
  }

  /** No worker holds a job (they have all been told to stop or have stopped). */
  idle(): boolean {
    return [...this.inHand.values()].every((jobs) => jobs.length === 0);
  }

  nextMessage(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  async stop(): Promise<void> {
    const workers = [...this.inHand.keys()];
    this.inHand.clear();
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  /**
   * Waits for the render cache's entries of what the workers prepared to be written, and throws the
   * first failure of the run, unless the run is failing already (`failing`): that error is the one
   * to report.
   */
  async stored(failing: boolean): Promise<void> {
    await Promise.allSettled(this.storing);
    if (this.failure && !failing) throw this.failure;
  }

  private feed(worker: Worker, queue: Job[]): void {
    const job = queue.shift();
    if (!job) return;
    this.inHand.get(worker)!.push(job);
    worker.postMessage(job);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
