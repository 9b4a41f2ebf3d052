import type { ResourceLimits } from 'node:worker_threads';
import { wholeNumberFromEnv } from '../support/env-number.js';

/** When a large check or build uses threads, and their heap limits. */
export interface ThreadSettings {
  /**
   * Below this many issues to parse (BULLETIN_PARALLEL_FROM sets another number), starting workers
   * (each loads the whole toolchain) costs more than it saves; the stages' thread starts from as
   * many.
   */
  parallelFrom: number;
  /**
   * A prepare worker's heap limits (prepare-pool.ts). Its young generation is 16 MB, not V8's 48:
   * its peak fell by ~30 MB at no measured cost. Its old generation is 1 GB
   * (BULLETIN_WORKER_HEAP_MB sets another): V8 lets a heap grow to four times its live data before
   * collecting it when the limit is 2 GB or more, and to 1.3-2 times below that (1.6 at 1 GB). A
   * worker holds little for long (one issue at a time, ~20 MB live), so 1 GB is far from enough to
   * run out, and took ~40 MB off a cold `build --all`'s peak at no measured cost; 512 MB cost ~1 s
   * of CPU over a cold `check --all` of 520 issues, as major collections came three times as often.
   * A worker that runs out of memory anyway hands its jobs back to the main thread.
   */
  prepareWorkerLimits: ResourceLimits;
  /**
   * The old-generation limit of the stages' thread (stages-thread.ts) of a build of `issues`
   * issues. V8 lets a heap grow to four times its live data before collecting it when the limit is
   * 2 GB or more (the main thread's, on this 24 GB machine: 4 GB), and to 1.3-2 times below that; a
   * cold `build --all` of 520 issues, ~70-90 MB live, peaked at 336-349 MB with no limit and
   * 247-261 MB with 1 GB, in about the same time (alternating runs). Each issue adds about 0.15 MB
   * of live data, so the limit grows by 2 MB an issue past 512 issues, ten times that; a build
   * whose thread runs out anyway is run again on the main thread, which has no limit.
   * BULLETIN_BUILD_HEAP_MB sets another limit.
   */
  buildThreadHeapMb(issues: number): number;
  /**
   * How far the stages' thread lowers its scheduling priority (BULLETIN_STAGES_NICE, 0 to 19; 0
   * leaves it) in a build of the archive where it makes most issues' emails and leaves the
   * preparing to workers (`build --all`), once the workers and pagefind run, where pagefind starts
   * with the build (no index to reuse yet). The thread also takes each prepared issue in and stages
   * its page, but most of its time goes on emails, needed only at the end, while the build waits
   * on the issues being prepared and on pagefind: on two cores, a cold `build --all` of 520 issues
   * took 7.4-7.7 s against 7.8-8.2 s with all at one priority (alternating runs). Linux only
   * (support/thread-priority.ts). On a machine busy with other work it gives way to that too.
   */
  stagesNice: number;
}

/**
 * The settings, each tunable from the environment (README, Environment). All are read at once, at
 * the start of a run, so that one that is not a whole number stops any run that could use it, not
 * only one large enough to.
 */
export function threadSettings(): ThreadSettings {
  const buildHeapMb = wholeNumberFromEnv('BULLETIN_BUILD_HEAP_MB', undefined);
  return {
    parallelFrom: wholeNumberFromEnv('BULLETIN_PARALLEL_FROM', 48),
    prepareWorkerLimits: {
      maxOldGenerationSizeMb: wholeNumberFromEnv('BULLETIN_WORKER_HEAP_MB', 1024),
      maxYoungGenerationSizeMb: 16,
    },
    buildThreadHeapMb: (issues) => buildHeapMb ?? Math.max(1024, 2 * issues),
    stagesNice: wholeNumberFromEnv('BULLETIN_STAGES_NICE', 10, { min: 0, max: 19 }),
  };
}
