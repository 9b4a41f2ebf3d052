import { parentPort, workerData } from 'node:worker_threads';
import { prepareFresh } from './prepare.js';
import type { PrepareSetup } from './prepare-workers.js';

/**
 * Runs in a worker thread (see prepare-pool.ts): prepares each issue it is sent and posts it back. The
 * thread that takes it stores it in the render cache: writing each entry here (a file made, ~0.5 ms
 * on a busy machine) was a tenth of this thread's time, and this thread's work is what a cold build
 * of the archive waits on.
 */
const { root, config } = workerData as PrepareSetup;
parentPort!.on('message', async (job: { date: string }) => {
  parentPort!.postMessage(await prepareFresh(root, job.date, config));
});
