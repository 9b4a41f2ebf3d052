import { parentPort, workerData } from 'node:worker_threads';
import { SetupError } from '../diagnostics/setup-error.js';
import { runStages } from './stages.js';
import type { StagesAnswer, StagesInput } from './stages-thread.js';

/** Runs in the stages' thread (see stages-thread.ts): the stages of one run, its report posted back. */
const { options, root, outDir, config, configProblems, templatesDir } = workerData as StagesInput;
let answer: StagesAnswer;
try {
  answer = { report: await runStages(options, root, outDir, config, configProblems, templatesDir) };
} catch (error) {
  const { message, stack } = error instanceof Error ? error : new Error(String(error));
  answer = { failure: { message, ...(stack ? { stack } : {}), setup: error instanceof SetupError } };
}
parentPort!.postMessage(answer);
