import { parentPort } from 'node:worker_threads';
import { SetupError } from '../diagnostics/setup-error.js';
import { runStages } from './stages.js';
import { type StagesAnswer, type StagesInput, stagesFailure } from './stages-thread.js';

/**
 * Runs in the stages' thread (see stages-thread.ts): its modules load as soon as it starts; then the
 * stages of the one run it is sent, its report posted back.
 */
parentPort!.once('message', async (input: StagesInput) => {
  let answer: StagesAnswer;
  try {
    answer = { report: await runStages(input) };
  } catch (error) {
    answer = { failure: stagesFailure(error, error instanceof SetupError) };
  }
  parentPort!.postMessage(answer);
});
