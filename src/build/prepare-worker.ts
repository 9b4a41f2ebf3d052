import { parentPort } from 'node:worker_threads';
import { packed } from '../render/rendered-issue.js';
import { prepareFresh } from './prepare.js';
import { cacheEntry, renderCacheKey } from './render-cache.js';
import type { PostedIssue } from './prepared-issue.js';
import type { PrepareMessage, PrepareSetup } from './prepare-workers.js';

/**
 * Runs in a worker thread (see prepare-pool.ts): told its setup first, then prepares each issue it is
 * sent and posts it back. The setup comes by message, not with the thread: a cold build starts the
 * worker before it has read the config (prepare-workers.ts). An issue it renders is posted as its
 * render-cache entry (render-cache.ts, `cacheEntry`), which the thread that takes it writes: writing
 * each entry here (a file made, ~0.5 ms on a busy machine) was a tenth of this thread's time, and
 * this thread's work is what a cold build of the archive waits on.
 */
let setup: PrepareSetup | undefined;
parentPort!.on('message', async (message: PrepareMessage) => {
  if ('setup' in message) {
    setup = message.setup;
    return;
  }
  if (!setup) throw new Error('a prepare worker was sent an issue before its setup');
  const { rendered, ...prepared } = await prepareFresh(setup.root, message.date, setup.config);
  const { date, digest, stamp, problems, links } = prepared;
  // As prepareFresh stores what it prepares, under the key of the bytes it read: an issue with errors
  // has no rendering.
  if (rendered && setup.renderCacheSalt !== undefined && digest !== undefined) {
    const sourceKey = renderCacheKey(setup.renderCacheSalt, digest);
    const entry = cacheEntry(sourceKey, { rendered, problems, links });
    const whole = entry.byteOffset === 0 && entry.byteLength === entry.buffer.byteLength;
    const posted: PostedIssue = { date, digest, ...(stamp ? { stamp } : {}), sourceKey, entry };
    parentPort!.postMessage(posted, whole ? [entry.buffer as ArrayBuffer] : []);
    return;
  }
  parentPort!.postMessage({
    ...prepared,
    ...(rendered ? { rendered: packed(rendered) } : {}),
  } satisfies PostedIssue);
});
