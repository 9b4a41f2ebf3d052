import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ALLOCATOR_OPTIONS, HUGE_PAGES, withHugePages } from '../src/archive/pagefind-process.js';
import { repoRoot } from './helpers/cli.js';

/**
 * pagefind's process is started with its allocator on huge pages (src/archive/pagefind-process.ts),
 * read here from the environment of the real process, while the environment of the process that
 * started it is left as it was. Run in a process of its own: Jest gives a test a copy of
 * `process.env`, which no child process started from the test's modules sees.
 */
let work: string;

/** The child's environment is read from /proc: Linux only (CI runs there). */
const withProc = existsSync('/proc/self/environ');
if (!withProc) {
  if (process.env.CI) throw new Error('CI is set but there is no /proc: these tests read it.');
  console.warn('\n*** SKIPPING PAGEFIND PROCESS TESTS: no /proc to read its environment from ***\n');
}
const procTest = withProc ? test : test.skip;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'bulletin-pagefind-process-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const libModule = (path: string) => JSON.stringify(pathToFileURL(join(repoRoot, 'lib', 'src', path)).href);

/** Script lines: `pagefindChild()`, this process's pagefind child once it has started (its pid). */
const FIND_CHILD = `
import { readdirSync, readFileSync } from 'node:fs';
async function pagefindChild() {
  for (let tries = 0; tries < 1000; tries++) {
    for (const pid of readdirSync('/proc').filter((name) => /^\\d+$/.test(name))) {
      try {
        const stat = readFileSync('/proc/' + pid + '/stat', 'utf8');
        const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (parent === process.pid && readFileSync('/proc/' + pid + '/cmdline', 'utf8').includes('pagefind'))
          return Number(pid);
      } catch {} // gone meanwhile: not this one
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('pagefind did not start within 10 s');
}
/** The environment of this process's pagefind child. */
async function childEnvironment() {
  return readFileSync('/proc/' + (await pagefindChild()) + '/environ', 'utf8').split('\\0');
}`;

/**
 * Indexes one page as a build does, in a worker thread (where a build of many issues runs its
 * stages) or on the main thread, and prints the allocator setting pagefind's process was started
 * with, ours after it, and how many pages the index holds.
 */
const INDEX_ONE_PAGE = `
import { isMainThread, Worker } from 'node:worker_threads';
if (isMainThread && process.argv[3] === 'worker') {
  await new Promise((resolve, reject) =>
    new Worker(new URL(import.meta.url), { argv: process.argv.slice(2) }).on('exit', resolve).on('error', reject),
  );
  process.exit(0);
}
const { startSearchIndex } = await import(${libModule('archive/search.js')});
const { loadConfig } = await import(${libModule('content/config.js')});
const { config } = await loadConfig(${JSON.stringify(repoRoot)});
const page = '<html lang="en"><body><main data-pagefind-body><h1>Winter pressures</h1></main></body></html>';
const indexing = await startSearchIndex(config, new Map([['issues/2025-01-10/index.html', page]]));
${FIND_CHILD}
const child = (await childEnvironment()).find((pair) => pair.startsWith('${ALLOCATOR_OPTIONS}='));
const { pages } = await indexing.writeTo(process.argv[2]);
console.log(JSON.stringify({ child: child ?? null, own: process.env.${ALLOCATOR_OPTIONS} ?? null, pages }));
`;

function indexOnePage(thread: 'worker' | 'main', allocatorOptions?: string): unknown {
  const script = join(work, 'index-one-page.mjs');
  writeFileSync(script, INDEX_ONE_PAGE);
  const env = { ...process.env };
  delete env[ALLOCATOR_OPTIONS];
  if (allocatorOptions !== undefined) env[ALLOCATOR_OPTIONS] = allocatorOptions;
  const run = spawnSync(process.execPath, [script, join(work, 'site'), thread], {
    cwd: repoRoot,
    env,
    timeout: 30_000,
  });
  expect([run.error, run.status, run.stderr.toString()]).toEqual([undefined, 0, '']);
  expect(existsSync(join(work, 'site', 'pagefind', 'pagefind-entry.json'))).toBe(true);
  return JSON.parse(run.stdout.toString());
}

procTest(
  'from a worker thread pagefind is started with huge pages, and the thread is left without the setting',
  () => {
    expect(indexOnePage('worker')).toEqual({
      child: `${ALLOCATOR_OPTIONS}=${HUGE_PAGES}`,
      own: null,
      pages: 1,
    });
  },
);

procTest("from the main thread the process's environment is left alone", () => {
  expect(indexOnePage('main')).toEqual({ child: null, own: null, pages: 1 });
});

procTest("a user's own allocator setting reaches pagefind as it is", () => {
  expect(indexOnePage('worker', 'narenas:2')).toEqual({
    child: `${ALLOCATOR_OPTIONS}=narenas:2`,
    own: 'narenas:2',
    pages: 1,
  });
});

test('the setting is taken out again when starting fails', () => {
  delete process.env[ALLOCATOR_OPTIONS];
  expect(() =>
    withHugePages(
      () => {
        expect(process.env[ALLOCATOR_OPTIONS]).toBe(HUGE_PAGES);
        throw new Error('no binary');
      },
      { mainThread: false },
    ),
  ).toThrow('no binary');
  expect(process.env[ALLOCATOR_OPTIONS]).toBeUndefined();
});

/**
 * pagefind's process killed while it holds pages it has not answered (as the kernel kills a process
 * for memory): pagefind's own API would wait for those answers for ever. The index's writing fails
 * instead, saying what happened, and leaves no pagefind process behind.
 */
const KILLED_WHILE_INDEXING = `
${FIND_CHILD}
const { startSearchIndex } = await import(${libModule('archive/search.js')});
const { loadConfig } = await import(${libModule('content/config.js')});
const { config } = await loadConfig(${JSON.stringify(repoRoot)});
const text = 'Winter pressures across the network and what each trust is doing about them. '.repeat(200);
const pages = new Map();
for (let n = 0; n < 400; n++)
  pages.set('issues/' + n + '/index.html', '<html lang="en"><body><main data-pagefind-body><h1>Issue ' + n + '</h1><p>' + text + '</p></main></body></html>');
const indexing = await startSearchIndex(config, pages);
const pid = await pagefindChild();
process.kill(pid, 'SIGKILL');
const failure = await indexing.writeTo(process.argv[2]).then(() => 'written', (error) => error.message);
let left;
try { process.kill(pid, 0); left = 'still there'; } catch { left = 'gone'; } // ESRCH: gone, as it should be
console.log(JSON.stringify({ failure, left }));
`;

procTest(
  'a pagefind process that dies while it holds pages fails the index with why, and does not hang',
  () => {
    const script = join(work, 'killed-while-indexing.mjs');
    writeFileSync(script, KILLED_WHILE_INDEXING);
    const run = spawnSync(process.execPath, [script, join(work, 'site')], { cwd: repoRoot, timeout: 30_000 });
    expect([run.error, run.status]).toEqual([undefined, 0]);
    // pagefind itself may say it could not write to the dead process ("Service stopped Error: write
    // EPIPE", with the error); nothing else is said, and nothing is left unhandled.
    const said = run.stderr.toString().replace(/Service stopped Error: write EPIPE[\s\S]*?\n\}\n/g, '');
    expect(said).toBe('');
    expect(JSON.parse(run.stdout.toString())).toEqual({
      failure:
        'pagefind, which makes the search index, stopped (killed by SIGKILL) before it wrote the index; if the machine ran short of memory, free some and build again',
      left: 'gone',
    });
    expect(existsSync(join(work, 'site', 'pagefind', 'pagefind-entry.json'))).toBe(false);
  },
);
