import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Config } from '../content/model.js';
import { fromCache, prepareFresh, type PreparedIssue } from './prepare.js';
import type { RenderCache } from './render-cache.js';
import { awaitedLater } from '../support/errors.js';

/**
 * Below this many issues to parse, starting workers (each loads the whole toolchain) costs more than it
 * saves.
 */
const PARALLEL_FROM = Number(process.env.BULLETIN_PARALLEL_FROM ?? 48);

/**
 * Prepares many issues: unchanged ones from the cache, the rest split between this thread and
 * worker threads (one per spare core), since parsing Markdown is most of a cold archive build.
 * Results come back in the order of `dates`. Workers run only from the compiled code (lib/).
 */
export async function prepareIssues(
  root: string,
  dates: readonly string[],
  config: Config,
  cache: RenderCache | undefined,
): Promise<PreparedIssue[]> {
  const results = new Map<string, PreparedIssue>();
  const misses: { date: string; key?: string }[] = [];
  for (const date of dates) {
    const { key, prepared } = fromCache(root, date, cache);
    if (prepared) results.set(date, prepared);
    else misses.push({ date, ...(key ? { key } : {}) });
  }
  const workerFile = fileURLToPath(new URL('./prepare-worker.js', import.meta.url));
  const threads = Math.min(availableParallelism(), 8);
  const shares: { date: string; key?: string }[][] = Array.from({ length: threads }, () => []);
  for (const [i, job] of misses.entries()) shares[i % threads]!.push(job);
  const parallel = threads > 1 && misses.length >= PARALLEL_FROM && existsSync(workerFile);
  const own = parallel ? shares[0]! : misses;
  const started = parallel
    ? shares
        .slice(1)
        .map((jobs) => startWorker(workerFile, { root, config, jobs, cache: Boolean(cache) }, results))
    : [];
  // Handled at once, so a worker failing while this thread still parses is not an unhandled rejection.
  const finished = Promise.all(started.map((w) => w.done));
  awaitedLater(finished);
  try {
    for (const { date, key } of own) {
      results.set(date, await prepareFresh(root, date, config, cache, key));
      // Let worker messages in between issues, rather than all at the end.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await finished;
  } catch (error) {
    await Promise.all(started.map((w) => w.worker.terminate()));
    throw error;
  }
  return dates.map((date) => results.get(date)!);
}

function startWorker(
  file: string,
  data: object,
  results: Map<string, PreparedIssue>,
): { worker: Worker; done: Promise<void> } {
  const worker = new Worker(file, { workerData: data });
  const done = new Promise<void>((resolve, reject) => {
    worker.on('message', (prepared: PreparedIssue) => results.set(prepared.date, prepared));
    worker.once('error', reject);
    worker.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`a build worker stopped with exit code ${code}`)),
    );
  });
  return { worker, done };
}
