import { parentPort, workerData } from 'node:worker_threads';
import { SetupError } from '../diagnostics/setup-error.js';
import { runStages } from './stages.js';
import { type StagesAnswer, type StagesInput, stagesFailure } from './stages-thread.js';

/** Runs in the stages' thread (see stages-thread.ts): the stages of one run, its report posted back. */
const { options, root, outDir, config, configProblems, templatesDir } = workerData as StagesInput;
let answer: StagesAnswer;
try {
  answer = { report: await runStages(options, root, outDir, config, configProblems, templatesDir) };
} catch (error) {
  answer = { failure: stagesFailure(error, error instanceof SetupError) };
}
parentPort!.postMessage(answer);
