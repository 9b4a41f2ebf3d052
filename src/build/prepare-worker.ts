import { parentPort, workerData } from 'node:worker_threads';
import { prepareFresh, renderCacheFor } from './prepare.js';
import type { PrepareSetup } from './prepare-workers.js';

/** Runs in a worker thread (see prepare-pool.ts): prepares each issue it is sent and posts it back. */
const { root, config, cache: useCache } = workerData as PrepareSetup;
const cache = useCache ? renderCacheFor(root, config) : undefined;
parentPort!.on('message', async (job: { date: string; key?: string }) => {
  parentPort!.postMessage(await prepareFresh(root, job.date, config, cache, job.key));
});
