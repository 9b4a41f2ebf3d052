import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCorpus } from '../scripts/generate-corpus.js';
import { repoRoot } from './helpers/cli.js';

/**
 * `check --all` and `build --all` make each issue's email on the main thread while worker threads
 * go on preparing other issues (src/build/prepare-pool.ts): the report and every file written must
 * be what one thread alone gives, whatever order the issues come back in.
 */
let work: string;
let corpus: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'bulletin-parallel-email-'));
  corpus = join(work, 'corpus');
  await generateCorpus(corpus, { issues: 16 });
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

function bulletin(args: string[], parallelFrom: number) {
  const result = spawnSync(
    process.execPath,
    [join(repoRoot, 'lib/src/cli/main.js'), '--root', corpus, ...args],
    {
      env: {
        ...process.env,
        BULLETIN_PARALLEL_FROM: String(parallelFrom),
        BULLETIN_OFFLINE: '1',
        NO_COLOR: '1',
      },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  expect({ args, status: result.status, stderr: result.status === 0 ? '' : result.stderr }).toEqual({
    args,
    status: 0,
    stderr: '',
  });
  return result;
}

test('check --all with worker threads reports exactly what one thread reports', () => {
  const args = ['check', '--all', '--offline', '--no-cache', '--json'];
  const parallel = bulletin(args, 2);
  const serial = bulletin(args, 100_000);
  expect(JSON.parse(parallel.stdout).issues).toHaveLength(16);
  expect(parallel.stdout).toBe(serial.stdout);
}, 180_000);

test('build --all with worker threads writes every email byte for byte as one thread does', () => {
  bulletin(['build', '--all', '--no-cache', '--out', join(work, 'parallel')], 2);
  bulletin(['build', '--all', '--no-cache', '--out', join(work, 'serial')], 100_000);
  const emails = (dir: string) =>
    (readdirSync(join(work, dir, 'email'), { recursive: true }) as string[]).sort();
  expect(emails('parallel')).toEqual(emails('serial'));
  expect(emails('serial').filter((p) => p.endsWith('email.html'))).toHaveLength(16);
  for (const path of emails('serial').filter((p) => p.endsWith('.html') || p.endsWith('.txt'))) {
    const same =
      readFileSync(join(work, 'parallel', 'email', path), 'utf8') ===
      readFileSync(join(work, 'serial', 'email', path), 'utf8');
    expect([path, same]).toEqual([path, true]);
  }
  // With workers the emails wait for the archive's pages (made only while the thread would wait):
  // the site is the same too, its search index apart (pagefind's own bundle).
  const site = (dir: string) =>
    (readdirSync(join(work, dir, 'site'), { recursive: true }) as string[])
      .filter((p) => !p.startsWith('pagefind') && /\.(html|xml|json|ics)$/.test(p))
      .sort();
  expect(site('parallel')).toEqual(site('serial'));
  expect(site('serial').filter((p) => p.startsWith('issues/') && p.endsWith('index.html'))).toHaveLength(16);
  for (const path of site('serial')) {
    const same =
      readFileSync(join(work, 'parallel', 'site', path), 'utf8') ===
      readFileSync(join(work, 'serial', 'site', path), 'utf8');
    expect([path, same]).toEqual([path, true]);
  }
}, 300_000);

test('a template mistake is reported for issues prepared by worker threads as one thread reports it', async () => {
  const site = join(work, 'broken-templates');
  await generateCorpus(site, { issues: 6 });
  cpSync(join(repoRoot, 'templates'), join(site, 'templates'), { recursive: true });
  appendFileSync(join(site, 'bulletin.config.yaml'), '\ntemplates: templates\n');
  appendFileSync(join(site, 'templates', 'email', 'email.txt.hbs'), '{{issue.noSuchField}}\n');
  const run = (parallelFrom: number) =>
    spawnSync(
      process.execPath,
      [
        join(repoRoot, 'lib/src/cli/main.js'),
        '--root',
        site,
        'check',
        '--all',
        '--offline',
        '--no-cache',
        '--json',
      ],
      {
        env: { ...process.env, BULLETIN_PARALLEL_FROM: String(parallelFrom), NO_COLOR: '1' },
        encoding: 'utf8',
      },
    );
  const parallel = run(2);
  const serial = run(100_000);
  expect(parallel.status).toBe(1);
  const issues = JSON.parse(parallel.stdout).issues as { problems: { code: string; message: string }[] }[];
  expect(issues).toHaveLength(6);
  for (const issue of issues) {
    const mistake = issue.problems.find((p) => p.code === 'template-error');
    expect(mistake?.message).toContain('noSuchField');
  }
  expect(parallel.stdout).toBe(serial.stdout);
}, 180_000);
