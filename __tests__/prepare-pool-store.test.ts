import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCorpus } from '../scripts/generate-corpus.js';
import { repoRoot } from './helpers/cli.js';

/**
 * What worker threads prepare is stored in the render cache by the thread that takes it, while it goes
 * on (src/build/prepare-pool.ts). A store that fails for a reason other than an unwritable cache (an
 * I/O error) fails the run as a worker's error would, reaching the caller, and never replaces an
 * error the caller is already failing with. Workers run only from the compiled code, so this runs it
 * in a child process, over the sample issues, with a cache whose every store fails.
 */
const script = (consumerThrows: boolean) => `
import { preparedAsReady } from ${JSON.stringify(join(repoRoot, 'lib/src/build/prepare-pool.js'))};
import { loadConfig } from ${JSON.stringify(join(repoRoot, 'lib/src/content/config.js'))};
import { listIssueDates } from ${JSON.stringify(join(repoRoot, 'lib/src/content/issues-dir.js'))};
const root = ${JSON.stringify(repoRoot)};
const { config } = await loadConfig(root);
const cache = {
  salt: 'salt',
  keyOf: () => 'key',
  has: () => false,
  get: () => undefined,
  set: () => undefined,
  // Failing a while after it starts: after the caller's own failure, in the second test.
  storeEntry: async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
  },
};
let taken = 0;
try {
  for await (const prepared of preparedAsReady(root, await listIssueDates(root), config, cache)) {
    taken++;
    if (${consumerThrows}) throw new Error('the email stage failed');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  console.log('ended without an error after', taken);
} catch (error) {
  console.log('caught:', error.message);
}
`;

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'bulletin-pool-store-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

// A file, not `--input-type=module -e`: worker threads inherit the flag, and then fail to start.
function run(consumerThrows: boolean) {
  const file = join(work, `run-${consumerThrows}.mjs`);
  writeFileSync(file, script(consumerThrows));
  return spawnSync(process.execPath, [file], {
    encoding: 'utf8',
    env: { ...process.env, BULLETIN_PARALLEL_FROM: '2' },
    timeout: 60_000,
  });
}

test('a render-cache store that fails with an I/O error reaches the caller as the run’s error', () => {
  const result = run(false);
  expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  expect(result.stdout).toContain('caught: EIO: i/o error, write');
}, 60_000);

test('the caller’s own error is the one reported, not a store that failed meanwhile', () => {
  const result = run(true);
  expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  expect(result.stdout.trim()).toBe('caught: the email stage failed');
}, 60_000);

/**
 * Who prepared each issue, told by the cache: this thread stores what it prepares itself with `set`,
 * what a worker prepared (posted as its entry's bytes) with `storeEntry`.
 */
const whoPrepares = (helpPreparing: boolean) => `
import { preparedAsReady } from ${JSON.stringify(join(repoRoot, 'lib/src/build/prepare-pool.js'))};
import { loadConfig } from ${JSON.stringify(join(repoRoot, 'lib/src/content/config.js'))};
import { listIssueDates } from ${JSON.stringify(join(repoRoot, 'lib/src/content/issues-dir.js'))};
const root = ${JSON.stringify(repoRoot)};
const { config } = await loadConfig(root);
const by = { here: 0, worker: 0 };
const cache = {
  salt: 'salt',
  keyOf: () => 'key',
  has: () => false,
  get: () => undefined,
  set: () => void by.here++,
  storeEntry: async () => void by.worker++,
};
const dates = [];
// How many issues had been taken each time the thread had nothing to do but wait.
const waits = [];
for await (const prepared of preparedAsReady(root, await listIssueDates(root), config, cache, {
  helpPreparing: ${helpPreparing},
  whileWaiting: () => waits.push(dates.length),
})) {
  dates.push(prepared.date);
  // An email made of each, slower than a worker prepares one.
  await new Promise((resolve) => setTimeout(resolve, 100));
}
console.log(JSON.stringify({ dates: dates.sort(), ...by, waits }));
`;

function prepared(helpPreparing: boolean, env: Record<string, string> = {}) {
  const file = join(work, `who-${helpPreparing}.mjs`);
  writeFileSync(file, whoPrepares(helpPreparing));
  const result = spawnSync(process.execPath, [file], {
    encoding: 'utf8',
    env: { ...process.env, BULLETIN_PARALLEL_FROM: '2', ...env },
    timeout: 60_000,
  });
  expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  return JSON.parse(result.stdout) as { dates: string[]; here: number; worker: number; waits: number[] };
}

test('a thread not helping leaves every issue to the workers, and prepares them itself once none is left', () => {
  const dates = ['2018-05-11', '2018-05-18', '2018-05-25'];
  // Waiting for the workers' first issue, it did what it was given to do meanwhile, once.
  expect(prepared(false)).toEqual({ dates, here: 0, worker: 3, waits: [0] });
  // Workers that run out of memory as they start hand every job back to this thread.
  const alone = prepared(false, { BULLETIN_WORKER_HEAP_MB: '4' });
  expect(alone).toMatchObject({ dates, here: 3, worker: 0 });
  expect(alone.waits.length).toBeLessThanOrEqual(1);
}, 60_000);

/**
 * Work given to the thread as each issue is taken, done only while it would wait for the workers
 * (`idleWork`): what is left of it when the last issue is yielded is the caller's to finish.
 */
const idleScript = (root: string) => `
import { preparedAsReady } from ${JSON.stringify(join(repoRoot, 'lib/src/build/prepare-pool.js'))};
import { loadConfig } from ${JSON.stringify(join(repoRoot, 'lib/src/content/config.js'))};
import { listIssueDates } from ${JSON.stringify(join(repoRoot, 'lib/src/content/issues-dir.js'))};
const root = ${JSON.stringify(root)};
const { config } = await loadConfig(root);
const cache = { salt: 'salt', keyOf: () => 'key', has: () => false, get: () => undefined, set: () => undefined, storeEntry: async () => undefined };
const events = [];
const pending = [];
let asked = 0;
const idleWork = async () => {
  asked++;
  const date = pending.shift();
  if (!date) return false;
  await new Promise((resolve) => setTimeout(resolve, 1));
  events.push('done ' + date);
  return true;
};
for await (const prepared of preparedAsReady(root, await listIssueDates(root), config, cache, { helpPreparing: false, idleWork })) {
  events.push('taken ' + prepared.date);
  pending.push(prepared.date);
}
console.log(JSON.stringify({ events, left: pending, asked }));
`;

test('a thread not helping does the work it is given only while it waits for the workers, and leaves the rest', async () => {
  const root = join(work, 'idle-corpus');
  await generateCorpus(root, { issues: 24 });
  const file = join(work, 'idle.mjs');
  writeFileSync(file, idleScript(root));
  const result = spawnSync(process.execPath, [file], {
    encoding: 'utf8',
    env: { ...process.env, BULLETIN_PARALLEL_FROM: '2' },
    timeout: 60_000,
  });
  expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  const { events, left, asked } = JSON.parse(result.stdout) as {
    events: string[];
    left: string[];
    asked: number;
  };
  const taken = events.filter((event) => event.startsWith('taken ')).map((event) => event.slice(6));
  const done = events.filter((event) => event.startsWith('done ')).map((event) => event.slice(5));
  expect(taken).toHaveLength(24);
  // Each piece of work is of an issue taken before it, and none is done twice or lost.
  for (const date of done)
    expect(events.indexOf(`taken ${date}`)).toBeLessThan(events.indexOf(`done ${date}`));
  expect([...done, ...left].sort()).toEqual([...taken].sort());
  // A worker posts an issue every few milliseconds, and a piece of work takes one: it is done in the
  // waits between them, and nothing spins asking for more when there is none.
  expect(done.length).toBeGreaterThan(0);
  expect(asked).toBeLessThan(24 * 3);
}, 60_000);
