import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCorpus } from '../scripts/generate-corpus.js';
import { FEED_LIMIT } from '../src/archive/from-rendered.js';
import { ArchiveSession } from '../src/build/archive-session.js';
import { runPipeline } from '../src/build/pipeline.js';
import { repoRoot } from './helpers/cli.js';
import { tempSite } from './helpers/site.js';

/** Every file of a built site but the search bundle, by path. */
function siteContents(dir: string): Map<string, string> {
  const files = (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .filter((p) => !p.startsWith('pagefind/'));
  return new Map(files.sort().map((p) => [p, readFileSync(join(dir, p), 'latin1')]));
}

test('an edited item rewrites only what depends on it, and the result equals a full build', async () => {
  const site = tempSite();
  try {
    cpSync(join(repoRoot, 'bulletins'), join(site.root, 'bulletins'), { recursive: true });
    const { session, problems } = await ArchiveSession.open(site.root);
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    const item = join(site.root, 'bulletins', '2018-05-18', '03-stroke-programme.md');
    const before = readFileSync(item, 'utf8');
    writeFileSync(
      item,
      before
        .replace(/^title: .*$/m, 'title: Stroke programme update')
        .replace(/^kind: programme$/m, 'kind: programme\nplaces: [kirklees]'),
    );

    const update = await session!.changed(['2018-05-18']);
    expect(update.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(update.written).toContain('issues/2018-05-18/index.html');
    expect(update.written).toContain('places/kirklees/index.html');
    expect(update.written).toContain('programmes/stroke/index.html');
    expect(update.written).toContain('feed.xml');
    for (const untouched of [
      'issues/2018-05-11/index.html',
      'issues/2018-05-25/index.html',
      'index.html',
      'programmes/cancer/index.html',
      'assets/site.css',
    ]) {
      expect(update.written).not.toContain(untouched);
    }
    expect(
      readFileSync(join(site.root, 'dist', 'site', 'issues', '2018-05-18', 'index.html'), 'utf8'),
    ).toContain('Stroke programme update');

    const full = join(site.root, 'full');
    const rebuilt = await runPipeline({
      root: site.root,
      dates: [],
      write: true,
      site: true,
      outDir: full,
      cache: false,
    });
    expect(rebuilt.site).toBeDefined();
    const incremental = siteContents(join(site.root, 'dist', 'site'));
    const scratch = siteContents(join(full, 'site'));
    expect([...incremental.keys()]).toEqual([...scratch.keys()]);
    for (const [path, content] of scratch)
      expect([path, incremental.get(path) === content]).toEqual([path, true]);
  } finally {
    site.remove();
  }
}, 120_000);

test('an edit with errors is reported and leaves the site as it was; a deleted issue is removed', async () => {
  const site = tempSite();
  try {
    cpSync(join(repoRoot, 'bulletins'), join(site.root, 'bulletins'), { recursive: true });
    const { session } = await ArchiveSession.open(site.root);
    const siteDir = join(site.root, 'dist', 'site');
    const before = siteContents(siteDir);
    site.write('2018-05-18', '03-stroke-programme.md', '---\nkind: programme\ntitle: "Stroke\n---\nText\n');
    const broken = await session!.changed(['2018-05-18']);
    expect(broken.written).toEqual([]);
    expect(broken.problems[0]).toMatchObject({ code: 'yaml-syntax', line: 3, column: 8 });
    expect(siteContents(siteDir)).toEqual(before);

    rmSync(join(site.root, 'bulletins', '2018-05-25'), { recursive: true });
    const removed = await session!.changed(['2018-05-25']);
    expect(removed.problems).toEqual([]);
    expect(removed.removed).toContain('issues/2018-05-25/index.html');
    expect(readFileSync(join(siteDir, 'index.html'), 'utf8')).not.toContain('2018-05-25');
  } finally {
    site.remove();
  }
}, 120_000);

test('removing the last item of a tag, or every meeting, removes their pages and calendar', async () => {
  const site = tempSite();
  try {
    cpSync(join(repoRoot, 'bulletins'), join(site.root, 'bulletins'), { recursive: true });
    const { session } = await ArchiveSession.open(site.root);
    const siteDir = join(site.root, 'dist', 'site');
    const cancer = readdirSync(join(site.root, 'bulletins', '2018-05-25')).find((n) =>
      readFileSync(join(site.root, 'bulletins', '2018-05-25', n), 'utf8').includes('cancer'),
    );
    expect(cancer).toBeDefined();
    const before = siteContents(siteDir);
    expect(before.has('programmes/cancer/index.html')).toBe(true);
    rmSync(join(site.root, 'bulletins', '2018-05-25', cancer!));
    rmSync(join(site.root, 'bulletins', '2018-05-25', 'meetings.md'));
    const update = await session!.changed(['2018-05-25']);
    expect(update.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(update.removed).toEqual(
      expect.arrayContaining(['programmes/cancer/index.html', 'issues/2018-05-25/meetings.ics']),
    );
    const after = siteContents(siteDir);
    expect(after.has('programmes/cancer/index.html')).toBe(false);
    expect(after.has('issues/2018-05-25/meetings.ics')).toBe(false);
    expect(after.get('sitemap.xml')).not.toContain('programmes/cancer/');
  } finally {
    site.remove();
  }
}, 120_000);

test('a build of more issues than the feeds carry, which drops the HTML of each older one once its page is made, makes the site the whole archive makes', async () => {
  const root = mkdtempSync(join(tmpdir(), 'bulletin-past-feeds-'));
  try {
    // Three issues past the feeds' newest: their pages, tags and calendars come from a build that no
    // longer holds their HTML (src/build/issue-pages.ts); the session holds every issue whole.
    await generateCorpus(root, { issues: FEED_LIMIT + 3 });
    const streamed = await runPipeline({
      root,
      dates: [],
      write: true,
      site: true,
      outDir: join(root, 'streamed'),
      cache: false,
    });
    expect(streamed.site).toBeDefined();
    const { session, problems } = await ArchiveSession.open(root);
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(session).toBeDefined();
    const whole = siteContents(join(root, 'dist', 'site'));
    const asStreamed = siteContents(join(root, 'streamed', 'site'));
    expect(whole.size).toBeGreaterThan(FEED_LIMIT + 3);
    expect([...asStreamed.keys()]).toEqual([...whole.keys()]);
    for (const [path, content] of whole)
      expect([path, asStreamed.get(path) === content]).toEqual([path, true]);
    // The oldest issue's page has its text, and the feeds the newest issues' whole text.
    const oldest = readdirSync(join(root, 'bulletins')).sort()[0]!;
    expect(whole.get(`issues/${oldest}/index.html`)).toMatch(/<p>[^<]{40,}/);
    expect(whole.get('feed.xml')!.match(/<content:encoded>/g)).toHaveLength(FEED_LIMIT);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}, 180_000);
