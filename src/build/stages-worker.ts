import { parentPort, workerData } from 'node:worker_threads';
import { SetupError } from '../diagnostics/setup-error.js';
import { startPrepareWorkersEarly } from './prepare-workers.js';
import { type StagesAnswer, type StagesInput, stagesFailure } from './stages-thread.js';
import { threadSettings } from './thread-limits.js';
import { startWriteThread } from '../support/write-thread.js';

/**
 * Runs in the stages' thread (see stages-thread.ts). Started before its run is known to be needed, it
 * starts the prepare workers a cold build will want (`prepareEarly`) and then loads its own modules,
 * all while the main thread reads the config and opens the build memo; then runs the stages of the
 * one run it is sent and posts back what they did.
 */
const { prepareEarly } = (workerData ?? {}) as { prepareEarly?: boolean };
if (prepareEarly) startPrepareWorkersEarly(threadSettings().prepareWorkerLimits);
// This thread writes a large build's thousands of files (write-thread.ts).
startWriteThread();
const { runStages } = await import('./stages.js');

parentPort!.once('message', async (input: StagesInput) => {
  let answer: StagesAnswer;
  try {
    answer = { result: await runStages(input) };
  } catch (error) {
    answer = { failure: stagesFailure(error, error instanceof SetupError) };
  }
  parentPort!.postMessage(answer);
});
