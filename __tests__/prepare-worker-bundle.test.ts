import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codeVersion } from '../src/build/code-version.js';
import { prepareWorkerCode } from '../src/build/prepare-workers.js';
import { listIssueDates } from '../src/content/issues-dir.js';
import { repoRoot } from './helpers/cli.js';

/**
 * The prepare worker runs from the bundle `npm run build` makes of it (scripts/bundle-workers.ts)
 * only while the bundle was made from the code that runs, and prepares exactly what the worker's own
 * module does.
 */
let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'bulletin-worker-bundle-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

describe('which code a prepare worker runs', () => {
  const workerFile = () => join(work, 'prepare-worker.js');
  const bundle = () => join(work, 'prepare-worker.bundle.mjs');
  const record = (text: string) => writeFileSync(`${bundle()}.json`, text);

  test('no bundle made (a tsc alone): the module', () => {
    expect(prepareWorkerCode(workerFile())).toBe(workerFile());
  });

  test('a bundle made from other code: the module', () => {
    writeFileSync(bundle(), '');
    record(JSON.stringify({ codeVersion: 'older code' }));
    expect(prepareWorkerCode(workerFile())).toBe(workerFile());
  });

  test('a record cut short or of another shape, or one with no bundle beside it: the module', () => {
    record('{"codeVersi');
    expect(prepareWorkerCode(workerFile())).toBe(workerFile());
    record('null');
    expect(prepareWorkerCode(workerFile())).toBe(workerFile());
    record(JSON.stringify({ codeVersion: codeVersion() }));
    expect(prepareWorkerCode(workerFile())).toBe(workerFile());
  });

  test('a bundle made from this code: the bundle', () => {
    writeFileSync(bundle(), '');
    record(JSON.stringify({ codeVersion: codeVersion() }));
    expect(prepareWorkerCode(workerFile())).toBe(bundle());
  });
});

/**
 * Each sample issue prepared by a worker of the built code's bundle and by one of its module: the
 * same messages. In a child process, as workers run only from the compiled code.
 */
test('the built bundle is current, and prepares every sample issue as the module does', async () => {
  const lib = (path: string) => JSON.stringify(join(repoRoot, 'lib', 'src', path));
  const dates = await listIssueDates(repoRoot);
  const script = `
import { Worker } from 'node:worker_threads';
import { isDeepStrictEqual } from 'node:util';
import { prepareWorkerCode } from ${lib('build/prepare-workers.js')};
import { loadConfig } from ${lib('content/config.js')};
const root = ${JSON.stringify(repoRoot)};
const { config } = await loadConfig(root);
const prepared = async (file) => {
  const worker = new Worker(file);
  worker.postMessage({ setup: { root, config } });
  const posted = [];
  for (const date of ${JSON.stringify(dates)}) {
    worker.postMessage({ date });
    posted.push(await new Promise((resolve) => worker.once('message', resolve)));
  }
  await worker.terminate();
  return posted;
};
const bundle = prepareWorkerCode();
const fromBundle = await prepared(bundle);
const fromModule = await prepared(${lib('build/prepare-worker.js')});
console.log(JSON.stringify({
  bundle: bundle.endsWith('prepare-worker.bundle.mjs'),
  same: isDeepStrictEqual(fromBundle, fromModule),
  rendered: fromBundle.filter((issue) => issue.rendered?.lead.html.length > 0).length,
}));
`;
  const scriptFile = join(work, 'compare.mjs');
  writeFileSync(scriptFile, script);
  const run = spawnSync(process.execPath, [scriptFile], { encoding: 'utf8', timeout: 60_000 });
  expect(run.stderr).toBe('');
  expect(JSON.parse(run.stdout)).toEqual({ bundle: true, same: true, rendered: dates.length });
}, 90_000);
