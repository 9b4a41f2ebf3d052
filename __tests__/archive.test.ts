import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'cheerio';
import sharp from 'sharp';
import { runPipeline } from '../src/build/pipeline.js';
import { listIssueDates } from '../src/content/issues-dir.js';
import { repoRoot } from './helpers/cli.js';
import { expectGolden } from './helpers/golden.js';
import { tempSite } from './helpers/site.js';

const fixtures = join(repoRoot, '__tests__', 'fixtures', 'site');
let out: string;
let site: string;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'bulletin-archive-'));
  const report = await runPipeline({
    root: repoRoot,
    dates: await listIssueDates(repoRoot),
    write: true,
    site: true,
    outDir: out,
  });
  expect(report.siteSkipped).toBeUndefined();
  site = join(out, 'site');
}, 60_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

const page = (path: string) => load(readFileSync(join(site, path), 'utf8'));
const htmlPages = () =>
  (readdirSync(site, { recursive: true }) as string[]).filter(
    (p) => p.endsWith('.html') && !p.startsWith('pagefind'),
  );

test.each([
  'index.html',
  'issues/2018-05-11/index.html',
  'issues/2018-05-18/index.html',
  'issues/2018-05-25/index.html',
  'programmes/stroke/index.html',
  'places/index.html',
  'sitemap.xml',
])('%s matches its golden file', (path) => {
  expectGolden(join(fixtures, path.replace(/\//g, '__')), readFileSync(join(site, path), 'utf8'));
});

test('every page has one h1, a canonical URL, Open Graph and Twitter tags, and the feeds in its head', () => {
  const pages = htmlPages();
  expect(pages.length).toBeGreaterThanOrEqual(20);
  for (const path of pages) {
    const $ = page(path);
    expect([path, $('h1').length]).toEqual([path, 1]);
    // The whole of site.locale, as the email says it: en-GB is spelt and hyphenated as in Britain.
    expect([path, $('html').attr('lang')]).toEqual([path, 'en-GB']);
    expect($('link[rel=canonical]').attr('href')).toMatch(/^https:\/\/bulletin\.wyhpartnership\.example\//);
    for (const property of ['og:title', 'og:description', 'og:url', 'og:type', 'og:site_name'])
      expect($(`meta[property="${property}"]`).attr('content')).toBeTruthy();
    expect($('meta[name="twitter:card"]').attr('content')).toBe('summary');
    expect(
      $('link[rel=alternate]')
        .map((_, l) => $(l).attr('type'))
        .get(),
    ).toEqual(['application/rss+xml', 'application/atom+xml', 'application/feed+json']);
    expect($('main').length).toBe(1);
    expect($('script:not([src])').length).toBe(0);
  }
});

test('the index lists the latest issue first, then every issue by year and month', () => {
  const $ = page('index.html');
  expect($('.latest h2 a').attr('href')).toBe('issues/2018-05-25/');
  expect($('#year-2018').length).toBe(1);
  expect(
    $('.issue-list a')
      .map((_, a) => $(a).attr('href'))
      .get(),
  ).toEqual(['issues/2018-05-25/', 'issues/2018-05-18/', 'issues/2018-05-11/']);
});

test('an issue page has the lead with its author, sections, meetings by day with calendar links, and neighbours', () => {
  const $ = page('issues/2018-05-18/index.html');
  expect($('h1').text()).toBe('The power of place');
  expect($('.byline').text()).toContain('By ');
  expect($('#this-week').text()).toBe('What else has been happening this week?');
  expect($('a[rel=prev]').attr('href')).toBe('../../issues/2018-05-11/');
  expect($('a[rel=next]').attr('href')).toBe('../../issues/2018-05-25/');
  expect($('.meetings h3').length).toBeGreaterThan(0);
  expect($('a.add-to-calendar').first().attr('href')).toMatch(
    /^https:\/\/calendar\.google\.com\/calendar\/render\?action=TEMPLATE/,
  );
  expect($('a[href="meetings.ics"]').length).toBe(1);
  expect(existsSync(join(site, 'issues/2018-05-18/meetings.ics'))).toBe(true);
  expect($('a[href="../../subscribe/"]').length).toBeGreaterThan(0);
  const first = page('issues/2018-05-11/index.html');
  expect(first('a[rel=prev]').length).toBe(0);
  expect(first('.meetings li strong').last().text()).toBe('Care Provider Alliance');
});

test('the stroke programme page follows the programme across every issue, newest first', () => {
  const $ = page('programmes/stroke/index.html');
  const dates = $('.tag-items time')
    .map((_, t) => $(t).attr('datetime'))
    .get();
  expect(new Set(dates)).toEqual(new Set(['2018-05-25', '2018-05-18', '2018-05-11']));
  expect([...dates].sort().reverse()).toEqual(dates);
  const href = $('.tag-items a').first().attr('href')!;
  const [path, anchor] = href.replace('../../', '').split('#');
  expect(page(`${path}index.html`)(`#${anchor}`).length).toBe(1);
  expect(page('programmes/index.html')('a[href="stroke/"]').length).toBe(1);
  expect(page('places/index.html')('.tag-index li').length).toBeGreaterThan(0);
});

test('sitemap lists every page but the 404, and the 404 page links home by absolute path', () => {
  const sitemap = readFileSync(join(site, 'sitemap.xml'), 'utf8');
  for (const path of htmlPages().filter((p) => p !== '404.html')) {
    expect(sitemap).toContain(
      `<loc>https://bulletin.wyhpartnership.example/${path.replace(/index\.html$/, '')}</loc>`,
    );
  }
  expect(sitemap).not.toContain('404');
  expect(
    page('404.html')('a')
      .filter((_, a) => page('404.html')(a).text() === 'the list of all bulletins')
      .attr('href'),
  ).toBe('/');
});

test('the search index covers the issue pages only', () => {
  expect(existsSync(join(site, 'pagefind', 'pagefind-ui.js'))).toBe(true);
  expect(page('issues/2018-05-11/index.html')('main[data-pagefind-body]').length).toBe(1);
  expect(page('index.html')('main[data-pagefind-body]').length).toBe(0);
});

/**
 * Builds a copy of the sample site, lets `breakIt` break it, builds again, and checks that the second
 * build left the first one's site exactly as it was, with no work folder beside it.
 */
async function expectPreviousSiteKept(
  breakIt: (copy: ReturnType<typeof tempSite>) => void,
): Promise<Awaited<ReturnType<typeof runPipeline>>> {
  const copy = tempSite();
  try {
    cpSync(join(repoRoot, 'bulletins'), join(copy.root, 'bulletins'), { recursive: true });
    const build = () => runPipeline({ root: copy.root, dates: ['2018-05-25'], write: true, site: true });
    expect((await build()).site).toBeDefined();
    const dist = join(copy.root, 'dist');
    const index = join(dist, 'site', 'index.html');
    const before = readFileSync(index, 'utf8');
    const files = (readdirSync(join(dist, 'site'), { recursive: true }) as string[]).sort();
    breakIt(copy);
    const second = await build();
    expect(second.site).toBeUndefined();
    expect(readFileSync(index, 'utf8')).toBe(before);
    expect((readdirSync(join(dist, 'site'), { recursive: true }) as string[]).sort()).toEqual(files);
    expect(readdirSync(dist).sort()).toEqual(['email', 'site']);
    return second;
  } finally {
    copy.remove();
  }
}

test('an email with errors keeps the archive, made before it, from replacing the previous site', async () => {
  // The archive is made and staged (pagefind indexing it) before the last emails: an error in one of
  // them then drops the staged site, and nothing of it is left behind.
  const second = await expectPreviousSiteKept((copy) => {
    // Fine for the archive page, too large for an email (Gmail clips past 102 KB).
    const words = Array.from(
      { length: 1500 },
      (_, i) => `Paragraph ${i} of a very long report on winter pressures.`,
    );
    copy.write(
      '2018-05-25',
      '07-long-report.md',
      `---\nkind: network\ntitle: A long report\n---\n${words.join('\n\n')}\n`,
    );
  });
  expect(second.issues.find((i) => i.date === '2018-05-25')!.problems.map((p) => p.code)).toContain(
    'email-too-large',
  );
  expect(second.siteSkipped).toMatch(/2018-05-25 has errors; the previous dist\/site is unchanged/);
}, 60_000);

test('an archive that cannot be made is reported, the emails are still written, and nothing is left behind', async () => {
  const copy = tempSite();
  try {
    cpSync(join(repoRoot, 'bulletins'), join(copy.root, 'bulletins'), { recursive: true });
    cpSync(join(repoRoot, 'templates'), join(copy.root, 'templates'), { recursive: true });
    writeFileSync(
      join(copy.root, 'bulletin.config.yaml'),
      `${readFileSync(join(copy.root, 'bulletin.config.yaml'), 'utf8')}\ntemplates: templates\n`,
    );
    // A page template Handlebars cannot compile: the site fails while it is staged, before the emails.
    writeFileSync(join(copy.root, 'templates', 'site', 'index.hbs'), '{{#each issues}}never closed');
    const report = await runPipeline({ root: copy.root, dates: ['2018-05-25'], write: true, site: true });
    expect(report.site).toBeUndefined();
    expect(report.siteSkipped).toMatch(
      /^the archive was not rebuilt: .*; the previous dist\/site is unchanged$/,
    );
    expect(report.issues.find((i) => i.date === '2018-05-25')?.outputs).toBeDefined();
    expect(readdirSync(join(copy.root, 'dist')).sort()).toEqual(['email']);
  } finally {
    copy.remove();
  }
}, 60_000);

test('a broken item fails the build naming the file and leaves the previous site whole', async () => {
  const second = await expectPreviousSiteKept((copy) =>
    copy.write(
      '2018-05-18',
      '03-stroke-programme.md',
      '---\nkind: programme\ntitle: Stroke\nprogramme: [stroke\n---\nText\n',
    ),
  );
  expect(second.siteSkipped).toMatch(/2018-05-18 has errors; the previous dist\/site is unchanged/);
  const broken = second.issues.find((i) => i.date === '2018-05-18')!;
  expect(broken.problems[0]).toMatchObject({
    file: expect.stringMatching(/bulletins\/2018-05-18\/03-stroke-programme\.md$/),
    line: 4,
    code: 'yaml-syntax',
  });
}, 60_000);

test('an image beside an item is published resized, the original untouched, and the email uses its archive URL', async () => {
  const copy = tempSite();
  try {
    const wide = await sharp({ create: { width: 2400, height: 1200, channels: 3, background: '#336699' } })
      .jpeg()
      .toBuffer();
    const issue = '---\ntitle: Images\ndate: 2018-05-11\nsummary: A week with a picture.\n---\nLead.\n';
    copy.write('2018-05-11', 'issue.md', issue);
    copy.write('2018-05-11', 'board.jpg', '');
    writeFileSync(join(copy.root, 'bulletins', '2018-05-11', 'board.jpg'), wide);
    copy.write(
      '2018-05-11',
      '01-board.md',
      '---\nkind: news\ntitle: Board\n---\n![Partnership board meeting](board.jpg)\n',
    );
    const hash = () =>
      createHash('sha256')
        .update(readFileSync(join(copy.root, 'bulletins', '2018-05-11', 'board.jpg')))
        .digest('hex');
    const original = hash();
    const report = await runPipeline({ root: copy.root, dates: ['2018-05-11'], write: true, site: true });
    expect(report.site).toBeDefined();
    const published = await sharp(
      readFileSync(join(copy.root, 'dist', 'site', 'issues', '2018-05-11', 'board.jpg')),
    ).metadata();
    expect(published.width).toBe(1200);
    expect(hash()).toBe(original);
    expect(statSync(join(copy.root, 'bulletins', '2018-05-11', 'board.jpg')).size).toBe(wide.length);
    const email = readFileSync(join(copy.root, 'dist', 'email', '2018-05-11', 'email.html'), 'utf8');
    expect(email).toContain(
      'src="https://bulletin.wyhpartnership.example/issues/2018-05-11/board.jpg" alt="Partnership board meeting"',
    );

    copy.write(
      '2018-05-11',
      '02-missing.md',
      '---\nkind: network\ntitle: Missing\n---\nSee below.\n\n![A chart](chart.png) and ![Secret](../../bulletin.config.yaml)\n',
    );
    const checked = await runPipeline({ root: copy.root, dates: ['2018-05-11'], write: false });
    expect(checked.issues[0]!.problems.map((p) => [p.code, p.line, p.column, p.message])).toEqual([
      ['image-missing', 7, 1, 'The image "chart.png" does not exist beside 02-missing.md.'],
      ['image-outside-issue', 7, 27, 'The image "../../bulletin.config.yaml" is outside the issue folder.'],
    ]);
  } finally {
    copy.remove();
  }
}, 60_000);
