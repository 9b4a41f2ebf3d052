import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { types } from 'node:util';
import { Worker } from 'node:worker_threads';
import { listIssueDates } from '../content/issues-dir.js';
import { SetupError } from '../diagnostics/setup-error.js';
import { awaitedLater } from '../support/errors.js';
import { dropEarlyWorkers, startPrepareWorkersEarly } from './prepare-workers.js';
import type { PipelineOptions, StagesInput, StagesResult } from './stages.js';
import { datesInRenderCache } from './render-cache.js';
import { threadSettings } from './thread-limits.js';

export type { StagesInput } from './stages.js';

/** What the stages' thread posts back: what they did, or why they failed. */
export type StagesAnswer = { result: StagesResult } | { failure: StagesFailure };

/**
 * An error thrown in the stages' thread, as it crosses back: a SetupError is shown as its message
 * alone, anything else as a bug, with its own stack and what code catching it reads (its name; a
 * system error's code, syscall and path).
 */
export interface StagesFailure {
  message: string;
  setup: boolean;
  name?: string;
  stack?: string;
  code?: string;
  syscall?: string;
  path?: string;
}

/** What crosses back of an error thrown in the thread: also a value thrown that is not an Error. */
export function stagesFailure(error: unknown, setup: boolean): StagesFailure {
  // isNativeError: also an Error made in another realm (a vm context), where instanceof fails.
  if (!(error instanceof Error || types.isNativeError(error))) return { message: String(error), setup };
  const { code, syscall, path } = error as NodeJS.ErrnoException;
  return {
    message: error.message,
    setup,
    name: error.name,
    ...(error.stack ? { stack: error.stack } : {}),
    ...(typeof code === 'string' ? { code } : {}),
    ...(syscall ? { syscall } : {}),
    ...(path ? { path } : {}),
  };
}

/** The error of `failure` on this thread (exported for its test). */
export function asError({ message, setup, name, stack, ...system }: StagesFailure): Error {
  if (setup) return new SetupError(message);
  const error = Object.assign(new Error(message), system);
  if (name) error.name = name;
  if (stack) error.stack = stack;
  return error;
}

/** Where a run's stages go: chosen, and their thread started, before the build memo is opened. */
export interface StagesRunner {
  run(input: StagesInput): Promise<StagesResult>;
  /** The stages are not needed after all (the memo answered, or it failed): stops their thread. */
  cancel(): Promise<void>;
}

/**
 * `runStages` of a build of many issues in a worker thread with a heap limit (`buildThreadHeapMb`
 * of thread-limits.ts). Anything else runs on this thread: a build of a few issues; a check, which
 * keeps much less to its end and is the command people wait on (the thread, loading its own
 * modules, took ~0.25 s longer over a `check --all` of 520 issues, alternating runs); a caller that
 * keeps the compiled emails (they hold functions, which cannot cross threads). The thread runs only
 * from the compiled code (lib/).
 *
 * The thread starts at once and loads its modules while this thread reads the config and opens the
 * build memo; it is handed its input by `run`. Started only after the memo's key, when that key read
 * every issue, it was ready ~0.8 s into a cold `build --all` of 520 issues.
 * With `prepareEarly`, it first starts the prepare workers (prepare-workers.ts); so does this thread,
 * for a check of as many issues as they start at, unless `prepareEarly.cache` says the render cache
 * may be used and it holds most of them.
 */
export async function startStages(
  options: PipelineOptions,
  root: string,
  prepareEarly?: { cache: boolean },
): Promise<StagesRunner> {
  // Read first, by every run, so that a setting that is not a number is said before any work.
  const { parallelFrom, buildThreadHeapMb, prepareWorkerLimits } = threadSettings();
  const here: StagesRunner = { run: inThisThread, cancel: async () => undefined };
  if (!options.write || options.keepEmails) {
    const dates = [...new Set(options.dates)];
    // A check of many issues runs here: its prepare workers load their modules while this thread
    // loads the stages' own (they started ~0.6 s into a cold `check --all` of 520 issues, after them).
    // Not when the render cache likely answers most (started anyway, they made a warm check of 520
    // issues 0.2 s slower, loading the parsers to be stopped unused).
    const toPrepare = dates.length - (prepareEarly?.cache ? datesInRenderCache(root, dates) : 0);
    if (!prepareEarly || toPrepare < parallelFrom) return here;
    startPrepareWorkersEarly(prepareWorkerLimits);
    return {
      run: (input) => inThisThread(input).finally(dropEarlyWorkers),
      cancel: async () => dropEarlyWorkers(),
    };
  }
  const issues = options.site ? (await listIssueDates(root)).length : new Set(options.dates).size;
  const workerFile = fileURLToPath(new URL('./stages-worker.js', import.meta.url));
  // From as many issues as the prepare workers start at: below that a thread's start costs more.
  if (issues < parallelFrom || !existsSync(workerFile)) return here;
  const thread = new StagesThread(workerFile, buildThreadHeapMb(issues), Boolean(prepareEarly));
  return {
    async run(input) {
      try {
        return await thread.run(input);
      } catch (error) {
        if ((error as { code?: string }).code !== 'ERR_WORKER_OUT_OF_MEMORY') throw error;
        return inThisThread(input);
      }
    },
    cancel: () => thread.stop(),
  };
}

async function inThisThread(input: StagesInput): Promise<StagesResult> {
  const { runStages } = await import('./stages.js');
  return runStages(input);
}

/** The stages' worker thread: started at once, told its input by `run`. */
class StagesThread {
  private readonly worker: Worker;
  private readonly answer: Promise<StagesResult>;

  constructor(file: string, limitMb: number, prepareEarly: boolean) {
    this.worker = new Worker(file, {
      workerData: { prepareEarly },
      resourceLimits: { maxOldGenerationSizeMb: limitMb },
    });
    const worker = this.worker;
    this.answer = new Promise((resolve, reject) => {
      let answered = false;
      worker.once('message', (answer: StagesAnswer) => {
        answered = true;
        if ('result' in answer) resolve(answer.result);
        else reject(asError(answer.failure));
      });
      worker.once('error', reject);
      worker.once('exit', (code) => {
        if (!answered)
          reject(new Error(`the build thread stopped with exit code ${code} before it reported`));
      });
    });
    // A thread that dies while it loads (out of memory) is reported by `run`, or by nothing once cancelled.
    awaitedLater(this.answer);
  }

  run(input: StagesInput): Promise<StagesResult> {
    this.worker.postMessage(input);
    return this.answer;
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}
