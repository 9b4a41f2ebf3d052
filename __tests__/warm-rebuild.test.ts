/**
 * A rebuild with nothing changed does no work it can skip: every email comes from the compiled-email
 * cache (.bulletin/cache/email/) and no file of dist/ is rewritten. Through the compiled CLI, on a copy
 * of the sample site with its own templates (so that a template can be edited).
 */
import {
  appendFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { BuildMemo } from '../src/build/build-memo.js';
import { runPipeline } from '../src/build/pipeline.js';
import { prepareFresh } from '../src/build/prepare.js';
import { fromCache, renderCacheFor } from '../src/build/prepared-issue.js';
import { issueDigest } from '../src/build/issue-folder.js';
import { loadConfig } from '../src/content/config.js';
import { bulletin } from './helpers/cli.js';
import { sampleSiteCopy } from './helpers/site.js';

const DATES = ['2018-05-11', '2018-05-18', '2018-05-25'];
/** Long ago: any file a build writes afterwards has a later mtime. */
const OLD = new Date('2001-02-03T04:05:06Z');

/** The build memo's entry, as far as these tests read it. */
interface Memo {
  outputs: Record<string, { size: number; mtimeMs: number }>;
}

interface Snapshot {
  bytes: Map<string, Buffer>;
  mtimes: Map<string, number>;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

/** Every file under `dir` with its bytes and mtime, after setting each mtime to OLD. */
function ageAndSnapshot(dir: string): Snapshot {
  const bytes = new Map<string, Buffer>();
  const mtimes = new Map<string, number>();
  for (const path of filesUnder(dir)) {
    utimesSync(join(dir, path), OLD, OLD);
    bytes.set(path, readFileSync(join(dir, path)));
    mtimes.set(path, statSync(join(dir, path)).mtimeMs);
  }
  return { bytes, mtimes };
}

/** The files of `dir` whose mtime is no longer the one in the snapshot (rewritten), or that are new. */
function rewritten(dir: string, before: Snapshot): string[] {
  return filesUnder(dir).filter((path) => statSync(join(dir, path)).mtimeMs !== before.mtimes.get(path));
}

function buildAll(root: string): void {
  const result = bulletin(['build', '--all'], root);
  // Warnings are the sample's own (vague link text); an error would stop the build.
  expect(result.stderr).not.toMatch(/ {2}error {2}/);
  expect(result.status).toBe(0);
}

/** Retitles an item of 2018-05-18 and builds: its email must show the new title. */
function retitleAndBuild(root: string): void {
  const item = join(root, 'bulletins', '2018-05-18', '03-stroke-programme.md');
  writeFileSync(item, readFileSync(item, 'utf8').replace(/^title: .*$/m, 'title: Stroke programme update'));
  buildAll(root);
  expect(readFileSync(join(root, 'dist/email/2018-05-18/email.html'), 'utf8')).toContain(
    'Stroke programme update',
  );
}

/** The key of the build memo's entry. */
function memoKeyOf(root: string): string {
  return (deserialize(readFileSync(join(root, '.bulletin', 'cache', 'build', 'last.v8'))) as { key: string })
    .key;
}

const emailCacheFile = (root: string, date: string) =>
  join(root, '.bulletin', 'cache', 'email', `${date}.v8`);

describe('a rebuild with nothing changed', () => {
  test('leaves every output file byte-identical and untouched (same mtime), emails and archive', () => {
    const site = sampleSiteCopy();
    try {
      buildAll(site.root);
      const dist = join(site.root, 'dist');
      const before = ageAndSnapshot(dist);
      expect(before.bytes.size).toBeGreaterThan(50);
      expect([...before.bytes.keys()]).toContain('site/issues/2018-05-18/index.html');
      expect([...before.bytes.keys()]).toContain('email/2018-05-18/email.html');
      expect([...before.bytes.keys()].some((path) => path.startsWith('site/pagefind/'))).toBe(true);

      buildAll(site.root);
      expect(filesUnder(dist)).toEqual([...before.bytes.keys()]);
      expect(rewritten(dist, before)).toEqual([]);
      for (const [path, bytes] of before.bytes)
        expect(readFileSync(join(dist, path)).equals(bytes)).toBe(true);
      // The emails came from the compiled-email cache: none of its entries was written again.
      const cache = join(site.root, '.bulletin', 'cache', 'email');
      expect(filesUnder(cache).sort()).toEqual(DATES.map((d) => `${d}.v8`));
    } finally {
      site.remove();
    }
  });

  test('an edit to one item recompiles that issue only; a removed issue leaves the archive', () => {
    const site = sampleSiteCopy();
    try {
      buildAll(site.root);
      const dist = join(site.root, 'dist');
      const cache = join(site.root, '.bulletin', 'cache', 'email');
      const before = ageAndSnapshot(dist);
      const cacheBefore = ageAndSnapshot(cache);
      const item = join(site.root, 'bulletins', '2018-05-18', '03-stroke-programme.md');
      writeFileSync(
        item,
        readFileSync(item, 'utf8').replace(/^title: .*$/m, 'title: Stroke programme update'),
      );

      buildAll(site.root);
      expect(rewritten(cache, cacheBefore)).toEqual(['2018-05-18.v8']);
      const changed = rewritten(dist, before);
      expect(changed).toEqual(
        expect.arrayContaining(['email/2018-05-18/email.html', 'email/2018-05-18/email.txt']),
      );
      expect(readFileSync(join(dist, 'email/2018-05-18/email.html'), 'utf8')).toContain(
        'Stroke programme update',
      );
      for (const date of ['2018-05-11', '2018-05-25'])
        expect(changed.filter((path) => path.startsWith(`email/${date}/`))).toEqual([]);
      expect(changed).toContain('site/issues/2018-05-18/index.html');
      // Pages that do not show the edited item keep their bytes, so they are not written again.
      expect(changed).not.toContain('site/assets/site.css');
      expect(changed).not.toContain('site/programmes/cancer/index.html');

      rmSync(join(site.root, 'bulletins', '2018-05-25'), { recursive: true });
      buildAll(site.root);
      expect(existsSync(join(dist, 'site', 'issues', '2018-05-25'))).toBe(false);
      expect(filesUnder(join(dist, 'site')).some((path) => path.includes('2018-05-25'))).toBe(false);
      expect(existsSync(join(dist, 'site', 'issues', '2018-05-18', 'index.html'))).toBe(true);
    } finally {
      site.remove();
    }
  });

  test('with outputs untouched too, it does nothing at all; an edit or a config change is still seen', () => {
    const site = sampleSiteCopy();
    try {
      const first = bulletin(['build', '--all'], site.root);
      expect(first.status).toBe(0);
      const caches = join(site.root, '.bulletin', 'cache');
      const memo = join(caches, 'build', 'last.v8');
      const memoKey = () => (deserialize(readFileSync(memo)) as { key: string }).key;
      const firstKey = memoKey();
      // Without the caches, any work at all would make them again.
      rmSync(join(caches, 'render'), { recursive: true });
      rmSync(join(caches, 'email'), { recursive: true });
      const again = bulletin(['build', '--all'], site.root);
      expect(again.status).toBe(0);
      expect(again.stdout).toBe(first.stdout);
      expect(again.stderr).toBe(first.stderr);
      expect(existsSync(join(caches, 'render'))).toBe(false);
      expect(existsSync(join(caches, 'email'))).toBe(false);

      retitleAndBuild(site.root);
      expect(filesUnder(join(caches, 'email')).sort()).toEqual(DATES.map((d) => `${d}.v8`));
      const editedKey = memoKey();
      expect(editedKey).not.toBe(firstKey);

      // Only a comment: the config as loaded is the same, but the file (whose lines reports name) is not.
      appendFileSync(join(site.root, 'bulletin.config.yaml'), '\n# a comment\n');
      buildAll(site.root);
      expect(memoKey()).not.toBe(editedKey);
    } finally {
      site.remove();
    }
  });

  test('an issue is loaded and keyed from one read of its files; a first build is remembered by what it prepared', async () => {
    const site = sampleSiteCopy();
    try {
      const { config } = await loadConfig(site.root);
      const cache = renderCacheFor(site.root, config!);
      const date = '2018-05-18';
      // No entry for the date yet: nothing is read to look for one.
      expect(fromCache(site.root, date, cache)).toBeUndefined();
      const prepared = await prepareFresh(site.root, date, config!, cache);
      expect(prepared.digest).toBe(issueDigest(join(site.root, 'bulletins', date)));
      expect(prepared.sourceKey).toBe(cache.keyOf(prepared.digest!));
      expect(fromCache(site.root, date, cache)?.sourceKey).toBe(prepared.sourceKey);

      // In the stages' own thread, with a worker preparing: the memo answers the next build.
      rmSync(join(site.root, '.bulletin'), { recursive: true, force: true });
      const env = { BULLETIN_PARALLEL_FROM: '2' };
      const first = bulletin(['build', '--all'], site.root, env);
      expect(first.status).toBe(0);
      const caches = join(site.root, '.bulletin', 'cache');
      rmSync(join(caches, 'render'), { recursive: true });
      const again = bulletin(['build', '--all'], site.root, env);
      expect([again.status, again.stdout]).toEqual([0, first.stdout]);
      expect(existsSync(join(caches, 'render'))).toBe(false);
    } finally {
      site.remove();
    }
  }, 60_000);

  test('a build keys the render cache with the digests its memo read, as a check keys it reading the files itself', () => {
    const site = sampleSiteCopy();
    try {
      const renderCache = join(site.root, '.bulletin', 'cache', 'render');
      // In the stages' own thread (one worker preparing too) and on the main thread.
      for (const env of [{ BULLETIN_PARALLEL_FROM: '2' }, {}] as Record<string, string>[]) {
        rmSync(join(site.root, '.bulletin'), { recursive: true, force: true });
        const built = bulletin(['build', '--all'], site.root, env);
        expect(built.status).toBe(0);
        const entries = ageAndSnapshot(renderCache);
        expect([...entries.bytes.keys()]).toEqual(DATES.map((d) => `${d}.v8`));
        const checked = bulletin(['check', '--all', '--offline'], site.root, env);
        expect(checked.status).toBe(0);
        // Every issue was read from the cache: a miss would have written its entry again.
        expect(rewritten(renderCache, entries)).toEqual([]);

        // And the other way round, after an edit only the check has seen.
        const item = join(site.root, 'bulletins', '2018-05-18', '03-stroke-programme.md');
        appendFileSync(item, '\nOne more sentence.\n');
        expect(bulletin(['check', '2018-05-18', '--offline'], site.root, env).status).toBe(0);
        const afterCheck = ageAndSnapshot(renderCache);
        buildAll(site.root);
        expect(rewritten(renderCache, afterCheck)).toEqual([]);
        expect(readFileSync(join(site.root, 'dist/email/2018-05-18/email.txt'), 'utf8')).toContain(
          'One more sentence.',
        );
      }
    } finally {
      site.remove();
    }
  }, 120_000);

  test('links in an issue folder that lead nowhere, to itself or round through a folder neither hide an edit nor stop a build', () => {
    const site = sampleSiteCopy();
    try {
      const issue = join(site.root, 'bulletins', '2018-05-18');
      symlinkSync('/nonexistent/photo.jpg', join(issue, 'photo.jpg'));
      symlinkSync('itself', join(issue, 'itself'));
      symlinkSync('..', join(issue, 'up'));
      for (const name of ['a', 'b', 'c']) symlinkSync('.', join(issue, name));
      buildAll(site.root);
      retitleAndBuild(site.root);
      // The link now leads to a file: an input changed, so the memo does not answer.
      const before = memoKeyOf(site.root);
      rmSync(join(issue, 'photo.jpg'));
      symlinkSync(join(site.root, 'bulletin.config.yaml'), join(issue, 'photo.jpg'));
      buildAll(site.root);
      expect(memoKeyOf(site.root)).not.toBe(before);
    } finally {
      site.remove();
    }
  }, 120_000);

  test('a build the memo answers says each email was checked; a caller that keeps the emails is not answered by it', async () => {
    const site = sampleSiteCopy();
    try {
      const options = { root: site.root, dates: ['2018-05-11'], write: true, site: false };
      await runPipeline(options);
      const answered = await runPipeline(options);
      expect(answered.issues.map((issue) => [issue.emailChecked, issue.email])).toEqual([[true, undefined]]);
      const kept = await runPipeline({ ...options, keepEmails: true });
      expect(kept.issues[0]!.emailChecked).toBe(true);
      expect(kept.issues[0]!.email!.withPlaceholders().html).toContain('<html');
    } finally {
      site.remove();
    }
  });

  test('the memo holds every output as it is on disk, stamped as the build wrote it, or statted when a stamp is missing', async () => {
    const site = sampleSiteCopy();
    const memoOutputs = () =>
      (deserialize(readFileSync(join(site.root, '.bulletin', 'cache', 'build', 'last.v8'))) as Memo).outputs;
    const onDisk = () =>
      Object.fromEntries(
        filesUnder(join(site.root, 'dist')).map((path) => {
          const { size, mtimeMs } = statSync(join(site.root, 'dist', path));
          return [path, { size, mtimeMs }];
        }),
      );
    try {
      // A first build (the site moved into place whole), then one that rewrites a few files of it.
      buildAll(site.root);
      expect(memoOutputs()).toEqual(onDisk());
      retitleAndBuild(site.root);
      expect(memoOutputs()).toEqual(onDisk());

      // Without stamps for every email (a caller of its own), the memo stats the outputs itself.
      const options = { root: site.root, dates: DATES, write: true, site: true };
      const report = await runPipeline({ ...options, cache: false });
      const { config, path: configPath } = await loadConfig(site.root);
      const memo = await BuildMemo.open<typeof report>({
        ...{ root: site.root, outDir: join(site.root, 'dist'), config: config!, configPath },
        ...{ templatesDir: join(site.root, 'templates'), dates: DATES, site: true, strict: false },
      });
      const digests = Object.fromEntries(
        DATES.map((date) => [date, issueDigest(join(site.root, 'bulletins', date))!]),
      );
      rmSync(join(site.root, '.bulletin', 'cache', 'build'), { recursive: true });
      memo.remember(report, digests, { 'email/2018-05-11/email.html': { size: 1, mtimeMs: 1 } });
      expect(memoOutputs()).toEqual(onDisk());
      // An output gone before it could be statted: no build is remembered (the next one builds).
      rmSync(join(site.root, '.bulletin', 'cache', 'build'), { recursive: true });
      rmSync(join(site.root, 'dist', 'email', '2018-05-18', 'email.txt'));
      expect(memo.remember(report, digests)).toBe(report);
      expect(existsSync(join(site.root, '.bulletin', 'cache', 'build', 'last.v8'))).toBe(false);
    } finally {
      site.remove();
    }
  });

  test('an output deleted, edited or added by hand since the last build is put right; nothing else is written', () => {
    const site = sampleSiteCopy();
    try {
      buildAll(site.root);
      const dist = join(site.root, 'dist');
      const before = ageAndSnapshot(dist);
      rmSync(join(dist, 'site', 'index.html'));
      writeFileSync(join(dist, 'email', '2018-05-11', 'email.txt'), 'edited by hand');
      utimesSync(join(dist, 'email', '2018-05-11', 'email.txt'), OLD, OLD);
      writeFileSync(join(dist, 'site', 'stray.html'), '<p>not made by the build</p>');

      buildAll(site.root);
      expect(filesUnder(dist)).toEqual([...before.bytes.keys()]);
      for (const [path, bytes] of before.bytes)
        expect(readFileSync(join(dist, path)).equals(bytes)).toBe(true);
      expect(rewritten(dist, before).sort()).toEqual(['email/2018-05-11/email.txt', 'site/index.html']);
    } finally {
      site.remove();
    }
  });

  test('a template or config change recompiles every email', () => {
    const site = sampleSiteCopy();
    try {
      buildAll(site.root);
      const dist = join(site.root, 'dist');
      const cache = join(site.root, '.bulletin', 'cache', 'email');
      let cacheBefore = ageAndSnapshot(cache);
      let before = ageAndSnapshot(dist);
      const template = join(site.root, 'templates', 'email', 'email.txt.hbs');
      writeFileSync(template, `${readFileSync(template, 'utf8')}\nPrinted on recycled electrons.\n`);
      buildAll(site.root);
      expect(rewritten(cache, cacheBefore).sort()).toEqual(DATES.map((d) => `${d}.v8`));
      for (const date of DATES)
        expect(readFileSync(join(dist, 'email', date, 'email.txt'), 'utf8')).toContain('recycled electrons');
      expect(rewritten(dist, before)).not.toContain('site/issues/2018-05-18/index.html');

      cacheBefore = ageAndSnapshot(cache);
      before = ageAndSnapshot(dist);
      const config = join(site.root, 'bulletin.config.yaml');
      writeFileSync(
        config,
        readFileSync(config, 'utf8').replace(
          'postalAddress: West Yorkshire',
          'postalAddress: North Yorkshire',
        ),
      );
      buildAll(site.root);
      expect(rewritten(cache, cacheBefore).sort()).toEqual(DATES.map((d) => `${d}.v8`));
      for (const date of DATES)
        expect(readFileSync(join(dist, 'email', date, 'email.html'), 'utf8')).toContain('North Yorkshire');
    } finally {
      site.remove();
    }
  });

  test('a corrupt or foreign cache entry is ignored and rewritten, and the output is unchanged', () => {
    const site = sampleSiteCopy();
    try {
      buildAll(site.root);
      const dist = join(site.root, 'dist');
      const before = ageAndSnapshot(dist);
      const good = readFileSync(emailCacheFile(site.root, '2018-05-18'));
      writeFileSync(emailCacheFile(site.root, '2018-05-18'), good.subarray(0, good.length >> 1));
      // A whole entry under the right key, but not the shape an entry has.
      const { key } = deserialize(good) as { key: string };
      writeFileSync(emailCacheFile(site.root, '2018-05-25'), serialize({ key, layout: null }));
      writeFileSync(emailCacheFile(site.root, '2018-05-11'), '\u0000\u0001not an entry');
      // An entry of the JSON format before, which nothing reads any more.
      const formerFormat = join(site.root, '.bulletin', 'cache', 'email', '2018-05-18.json');
      writeFileSync(formerFormat, JSON.stringify({ key, layout: null }));

      buildAll(site.root);
      for (const [path, bytes] of before.bytes)
        expect(readFileSync(join(dist, path)).equals(bytes)).toBe(true);
      expect(rewritten(dist, before)).toEqual([]);
      for (const date of DATES)
        expect(Object.keys(deserialize(readFileSync(emailCacheFile(site.root, date))) as object)).toContain(
          'layout',
        );
      expect(existsSync(formerFormat)).toBe(false);
      expect(readFileSync(emailCacheFile(site.root, '2018-05-18')).equals(good)).toBe(true);
    } finally {
      site.remove();
    }
  });
});
