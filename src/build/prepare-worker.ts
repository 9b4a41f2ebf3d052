import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../content/model.js';
import { prepareFresh, renderCacheFor } from './prepare.js';

/** Runs in a worker thread (see prepare-pool.ts): prepares its share of issues and posts each back. */
interface Job {
  root: string;
  /** The main thread's config, so both sides render (and key the cache) with the same one. */
  config: Config;
  jobs: { date: string; key?: string }[];
  cache: boolean;
}

const { root, config, jobs, cache: useCache } = workerData as Job;
const cache = useCache ? renderCacheFor(root, config) : undefined;
for (const { date, key } of jobs) parentPort!.postMessage(await prepareFresh(root, date, config, cache, key));
