import { parentPort, workerData } from 'node:worker_threads';
import { buildHere } from './email-for-send.js';

/** Runs in a worker thread (see email-for-send.ts): builds one issue's email and posts it back. */
const { root, date } = workerData as { root: string; date: string };
parentPort!.postMessage(await buildHere(root, date));
