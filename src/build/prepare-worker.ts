import { parentPort, workerData } from 'node:worker_threads';
import { loadConfig } from '../content/config.js';
import { prepareFresh, renderCacheFor } from './prepare.js';

/** Runs in a worker thread (see prepare-pool.ts): prepares its share of issues and posts each back. */
interface Job {
  root: string;
  jobs: { date: string; key?: string }[];
  cache: boolean;
}

const { root, jobs, cache: useCache } = workerData as Job;
const { config } = await loadConfig(root);
if (!config) throw new Error('the config did not load in a worker, though it did in the main thread');
const cache = useCache ? renderCacheFor(root, config) : undefined;
for (const { date, key } of jobs) parentPort!.postMessage(await prepareFresh(root, date, config, cache, key));
