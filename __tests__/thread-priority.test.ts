import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { lowerThisThreadPriority } from '../src/support/thread-priority.js';
import { repoRoot } from './helpers/cli.js';

/**
 * A build's stages thread lowers its own priority while pagefind indexes (src/support/thread-priority.ts):
 * on Linux a thread's nice value is its own, read here from /proc for the thread itself and for the
 * main thread beside it. The worker runs the compiled module (run `npm run build` first).
 */
const linux = process.platform === 'linux';
if (!linux) {
  if (process.env.CI)
    throw new Error('CI is set but this is not Linux: these tests read thread priorities from /proc.');
  console.warn(
    '\n*** SKIPPING THREAD PRIORITY TESTS: a thread has a priority of its own only on Linux ***\n',
  );
}
const linuxTest = linux ? test : test.skip;

/** The nice value of a thread, from its /proc stat line (field 19). */
function niceOf(statPath: string): number {
  const stat = readFileSync(statPath, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

linuxTest('a worker thread lowers its own priority by the amount asked, and only its own', async () => {
  const mainBefore = niceOf('/proc/thread-self/stat');
  const module = JSON.stringify(
    pathToFileURL(join(repoRoot, 'lib', 'src', 'support', 'thread-priority.js')).href,
  );
  const worker = new Worker(
    `
    const { parentPort } = require('node:worker_threads');
    const { readFileSync } = require('node:fs');
    const nice = () => { const s = readFileSync('/proc/thread-self/stat', 'utf8'); return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[16]); };
    import(${module}).then(({ lowerThisThreadPriority }) => {
      const before = nice();
      const lowered = lowerThisThreadPriority(5);
      const unchanged = lowerThisThreadPriority(0);
      parentPort.postMessage({ before, lowered, unchanged, after: nice() });
    });
    `,
    { eval: true },
  );
  const seen = await new Promise<{ before: number; lowered: boolean; unchanged: boolean; after: number }>(
    (resolve, reject) => worker.once('message', resolve).once('error', reject),
  );
  await worker.terminate();
  expect(seen).toEqual({
    before: mainBefore,
    lowered: true,
    unchanged: false,
    after: Math.min(19, mainBefore + 5),
  });
  expect(niceOf('/proc/thread-self/stat')).toBe(mainBefore);
});

linuxTest('the main thread is never lowered: it could not be raised again, and a server lives on', () => {
  const before = niceOf('/proc/thread-self/stat');
  expect(lowerThisThreadPriority(10)).toBe(false);
  expect(niceOf('/proc/thread-self/stat')).toBe(before);
});
