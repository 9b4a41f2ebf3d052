import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { listIssueDates } from '../content/issues-dir.js';
import type { Config } from '../content/model.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { SetupError } from '../diagnostics/setup-error.js';
import type { PipelineOptions, PipelineReport } from './stages.js';

/** What `runStages` is given: plain data, so it can be sent to a thread. */
export interface StagesInput {
  options: PipelineOptions;
  root: string;
  outDir: string;
  config: Config;
  configProblems: Diagnostic[];
  templatesDir: string;
}

/** What the stages' thread posts back: the report, or why it failed. */
export type StagesAnswer =
  | { report: PipelineReport }
  | { failure: { message: string; stack?: string; setup: boolean } };

/** From this many issues, as for the prepare workers (issue-pool.ts): below it a thread's start costs more. */
const THREAD_FROM = Number(process.env.BULLETIN_PARALLEL_FROM ?? 48);

/**
 * The old-generation limit of the stages' thread. V8 lets a heap grow to four times its live data
 * before collecting it when the limit is 2 GB or more (the main thread's, on this 24 GB machine: 4 GB),
 * and to 1.3-2 times below that; a cold `build --all` of 520 issues, ~70-90 MB live, peaked at
 * 336-349 MB with no limit and 247-261 MB with 1 GB, in about the same time (alternating runs). Each
 * issue adds about 0.15 MB of live data, so the limit grows by 2 MB an issue past 512 issues, ten
 * times that; a build whose thread runs out anyway is run again on the main thread, which has no
 * limit. BULLETIN_BUILD_HEAP_MB sets another limit.
 */
function heapLimitMb(issues: number): number {
  const set = process.env.BULLETIN_BUILD_HEAP_MB;
  return set ? Number(set) : Math.max(1024, 2 * issues);
}

/**
 * `runStages` of a build of many issues in a worker thread with a heap limit (see `heapLimitMb`).
 * Anything else runs on this thread: a build of a few issues; a check, which keeps much less to its
 * end and is the command people wait on (the thread, loading its own modules, took ~0.25 s longer
 * over a `check --all` of 520 issues, alternating runs); a caller that keeps the compiled emails
 * (they hold functions, which cannot cross threads). The thread runs only from the compiled code (lib/).
 */
export async function runStagesWithinLimit(input: StagesInput): Promise<PipelineReport> {
  const { options, root } = input;
  if (!options.write || options.keepEmails) return inThisThread(input);
  const issues = options.site ? (await listIssueDates(root)).length : new Set(options.dates).size;
  const workerFile = fileURLToPath(new URL('./stages-worker.js', import.meta.url));
  if (issues < THREAD_FROM || !existsSync(workerFile)) return inThisThread(input);
  try {
    return await inWorker(workerFile, input, heapLimitMb(issues));
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_WORKER_OUT_OF_MEMORY') throw error;
    return inThisThread(input);
  }
}

async function inThisThread(input: StagesInput): Promise<PipelineReport> {
  const { runStages } = await import('./stages.js');
  const { options, root, outDir, config, configProblems, templatesDir } = input;
  return runStages(options, root, outDir, config, configProblems, templatesDir);
}

function inWorker(file: string, input: StagesInput, limitMb: number): Promise<PipelineReport> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(file, {
      workerData: input,
      resourceLimits: { maxOldGenerationSizeMb: limitMb },
    });
    let answered = false;
    worker.once('message', (answer: StagesAnswer) => {
      answered = true;
      if ('report' in answer) return resolve(answer.report);
      const { message, stack, setup } = answer.failure;
      const error = setup ? new SetupError(message) : new Error(message);
      if (stack && !setup) error.stack = stack;
      reject(error);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`the build thread stopped with exit code ${code} before it reported`));
    });
  });
}
