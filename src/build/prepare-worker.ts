import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../content/model.js';
import { prepareFresh, renderCacheFor } from './prepare.js';

/** Runs in a worker thread (see prepare-pool.ts): prepares each issue it is sent and posts it back. */
interface Setup {
  root: string;
  /** The main thread's config, so both sides render (and key the cache) with the same one. */
  config: Config;
  cache: boolean;
}

const { root, config, cache: useCache } = workerData as Setup;
const cache = useCache ? renderCacheFor(root, config) : undefined;
parentPort!.on('message', async (job: { date: string; key?: string }) => {
  parentPort!.postMessage(await prepareFresh(root, job.date, config, cache, job.key));
});
