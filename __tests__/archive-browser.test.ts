import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { runPipeline } from '../src/build/pipeline.js';
import { listIssueDates } from '../src/content/issues-dir.js';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../src/content/config.js';
import { serviceOutboxTransport } from '../src/dispatch/transports.js';
import { createService } from '../src/service/app.js';
import { SqliteServiceMailQueue } from '../src/store/sqlite/mail-queue.js';
import { SqliteSubscriberStore } from '../src/store/sqlite/subscribers.js';
import { SqliteRateLimits } from '../src/store/sqlite/rate-limits.js';
import { openDatabase } from '../src/store/sqlite/open.js';
import { templatesFor } from '../src/build/pipeline.js';
import { axeViolations, browserAvailable, launchBrowser } from './helpers/browser.js';
import { repoRoot } from './helpers/cli.js';

const run = browserAvailable() ? describe : describe.skip;

// The sample: three weekly issues; "Rosabeth" (Kanter) is only in the oldest issue's lead article.
const OLDEST = '2018-05-11';
const OLD_ONLY_WORD = 'Rosabeth';

run('the web archive in real Chromium', () => {
  let browser: Browser;
  // The archive as `bulletin serve` serves it: with its Content-Security-Policy, which the search must live
  // with.
  let server: FastifyInstance | undefined;
  let store: SqliteSubscriberStore | undefined;
  let queue: SqliteServiceMailQueue | undefined;
  let limitsDb: ReturnType<typeof openDatabase> | undefined;
  const consoleErrors: string[] = [];
  let tmp: string;
  let base: string;
  let newest: string;
  const contexts: BrowserContext[] = [];
  const external: string[] = [];
  const shots = join(tmpdir(), 'bulletin-screenshots');

  /** A page in a fresh context that can reach only the local server: anything else is aborted. */
  async function open(path: string, options: BrowserContextOptions = {}, status = 200): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
    contexts.push(context);
    await context.route('**/*', (route) => {
      if (new URL(route.request().url()).hostname === '127.0.0.1') return route.continue();
      external.push(route.request().url());
      return route.abort();
    });
    const page = await context.newPage();
    // A CSP violation (an inline script or style the policy refuses) shows as a console error.
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(`${path}: ${message.text()}`);
    });
    page.on('pageerror', (error) => consoleErrors.push(`${path}: ${error.message}`));
    const response = await page.goto(base + path, { waitUntil: 'load' });
    expect(response?.status()).toBe(status);
    return page;
  }

  beforeAll(async () => {
    const dates = await listIssueDates(repoRoot);
    expect(dates.length).toBeGreaterThanOrEqual(3);
    newest = dates[dates.length - 1]!;
    // The chosen word really is only in the oldest issue, so a hit proves the search reaches back.
    expect(readFileSync(join(repoRoot, 'bulletins', OLDEST, 'issue.md'), 'utf8')).toContain(OLD_ONLY_WORD);
    tmp = mkdtempSync(join(tmpdir(), 'bulletin-archive-'));
    const report = await runPipeline({ root: repoRoot, dates, write: true, site: true, outDir: tmp });
    expect(report.siteSkipped).toBeUndefined();
    expect(report.site).toBeDefined();
    expect(report.site!.searchPages).toBe(dates.length);
    const loaded = await loadConfig(repoRoot);
    store = new SqliteSubscriberStore(join(tmp, 'bulletin.db'));
    queue = new SqliteServiceMailQueue(join(tmp, 'bulletin.db'));
    limitsDb = openDatabase(join(tmp, 'bulletin.db'));
    server = await createService({
      config: loaded.config!,
      siteDir: join(tmp, 'site'),
      templatesDir: templatesFor(repoRoot, loaded.config!, loaded.path),
      store,
      secrets: { current: 'archive-test', all: ['archive-test'], generated: false },
      mailer: serviceOutboxTransport(join(tmp, 'outbox')),
      mailQueue: queue,
      rateLimits: new SqliteRateLimits(limitsDb),
      log: false,
    });
    base = (await server.listen({ port: 0, host: '127.0.0.1' })).replace(/\/$/, '');
    browser = await launchBrowser();
    mkdirSync(shots, { recursive: true });
  }, 180_000);

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
    // The archive is self-contained: no page asks another host for anything (fonts, scripts, images).
    expect(external.splice(0)).toEqual([]);
    // 404 pages log their own status as a console error; nothing else may.
    expect(consoleErrors.splice(0).filter((e) => !/status of 404/.test(e))).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await store?.close();
    await queue?.close();
    limitsDb?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test('the index links to each issue, and following a link lands on that issue', async () => {
    const page = await open('/');
    await expect(page.locator('h1').textContent()).resolves.toMatch(/bulletins$/);
    const link = page.locator(`main a[href="issues/${OLDEST}/"]`);
    const title = (await link.first().textContent())!.trim();
    expect(title).toBe('The giants are still learning to dance');
    await link.first().click();
    await page.waitForURL(`${base}/issues/${OLDEST}/`);
    await expect(page.locator('h1').textContent()).resolves.toBe(title);
    await expect(page.title()).resolves.toContain(title);
  });

  test('the header search box finds a word that only an older issue contains', async () => {
    const page = await open(`/issues/${newest}/`);
    expect(await page.locator('main').innerText()).not.toContain(OLD_ONLY_WORD);
    await page.getByRole('searchbox', { name: 'Search the bulletins' }).fill(OLD_ONLY_WORD);
    await page.locator('header').getByRole('search').getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(`${base}/search/?q=${OLD_ONLY_WORD}`);
    const result = page.locator('#search .pagefind-ui__result-link');
    await result.first().waitFor({ timeout: 15_000 });
    const hrefs = await result.evaluateAll((links) =>
      links.map((a) => new URL((a as HTMLAnchorElement).href).pathname),
    );
    expect([...new Set(hrefs)]).toEqual([`/issues/${OLDEST}/`]);
    await expect(page.locator('#search').innerText()).resolves.toContain(OLD_ONLY_WORD);
  });

  /** The issue pages (pathnames) the search page lists for `query`, once pagefind has answered. */
  async function searchHits(query: string): Promise<string[]> {
    const page = await open(`/search/?q=${encodeURIComponent(query)}`);
    // "Searching for ..." first, then "No results for ..." or "N results for ...".
    const counted = page
      .locator('#search .pagefind-ui__message')
      .filter({ hasText: /^(No|\d+) results? for / });
    await counted.waitFor({ timeout: 15_000 });
    const count = Number(/^\d+/.exec(await counted.innerText())?.[0] ?? 0);
    // The UI shows five results until "Load more" is pressed.
    expect(count).toBeLessThanOrEqual(5);
    // Each result's own link (not its sections', which share the class) once its record has loaded.
    const links =
      '#search .pagefind-ui__result-inner > .pagefind-ui__result-title > .pagefind-ui__result-link';
    await page.waitForFunction(([selector, n]) => document.querySelectorAll(selector).length === n, [
      links,
      count,
    ] as const);
    return page
      .locator(links)
      .evaluateAll((found) => found.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
  }

  test('a search finds an issue by its own words, not by its links or labels', async () => {
    const oldestTitle = 'The giants are still learning to dance';
    // The next issue's page links back to the oldest by its title ("Previous issue: ..."), in a
    // <nav>, which pagefind leaves out by itself.
    const next = await open(`/issues/2018-05-18/`);
    expect(await next.locator('main').innerText()).toContain(oldestTitle);
    expect(await searchHits('giants')).toEqual([`/issues/${OLDEST}/`]);
    // These words are in no issue's own text, only in each item's "Link to this item" and in the
    // meetings' links to add them to a calendar. (A word pagefind does not know falls back to the
    // longest known word it starts with: no issue has "l", "li", "lin", "c", "ca" or "cal" as a word.)
    const oldest = await open(`/issues/${OLDEST}/`);
    expect(await oldest.locator('main').innerText()).toMatch(/Link to this item[\s\S]*to your calendar/);
    for (const label of ['link', 'calendar']) expect(await searchHits(label)).toEqual([]);
    // Every issue labels its contacts "Contact:"; two of them also ask the reader to contact someone.
    expect(await next.locator('main').innerText()).toContain('Contact:');
    expect((await searchHits('contact')).sort()).toEqual(['/issues/2018-05-11/', '/issues/2018-05-25/']);
  }, 60_000);

  test('a programme tag on an issue leads to the programme page, which spans several issues', async () => {
    const page = await open(`/issues/${newest}/`);
    await page.locator('ul.tags').getByRole('link', { name: 'Stroke', exact: true }).first().click();
    await page.waitForURL(`${base}/programmes/stroke/`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Stroke');
    const entries = page.locator('ul.tag-items > li');
    const dates = await entries
      .locator('time')
      .evaluateAll((times) => times.map((t) => t.getAttribute('datetime')));
    expect(new Set(dates).size).toBeGreaterThanOrEqual(2);
    expect(dates).toContain(OLDEST);
    // Each entry links back into its issue, at the item.
    const hrefs = await entries
      .locator('a')
      .evaluateAll((links) =>
        links.map(
          (a) =>
            new URL((a as HTMLAnchorElement).href).pathname + new URL((a as HTMLAnchorElement).href).hash,
        ),
      );
    for (const href of hrefs) expect(href).toMatch(/^\/issues\/\d{4}-\d{2}-\d{2}\/#item-/);
    await page.locator('ul.tag-items a').last().click();
    await page.waitForURL(/\/issues\/\d{4}-\d{2}-\d{2}\/#item-/);
    const anchor = decodeURIComponent(new URL(page.url()).hash.slice(1));
    await expect(page.locator(`[id="${anchor}"]`).textContent()).resolves.toMatch(/stroke/i);
  });

  // Every rule axe enables by default: WCAG 2.x A and AA and best practice (landmarks, heading order,
  // unique landmarks, ...). AAA and experimental rules are off, as in axe itself.
  const axePages = [
    ['/', 200],
    [`/issues/${OLDEST}/`, 200],
    ['/programmes/stroke/', 200],
    ['/no-such-page/', 404],
    [`/search/?q=stroke`, 200],
  ] as const;
  test.each(axePages)('axe-core finds no violations at all on %s', async (path, status) => {
    const page = await open(path, {}, status);
    if (path.startsWith('/search/'))
      await page.locator('#search .pagefind-ui__result-link').first().waitFor({ timeout: 15_000 });
    expect(await axeViolations(page)).toEqual([]);
  });

  const layouts = [375, 1280].flatMap((width) => [
    { width, name: 'index', path: '/' },
    { width, name: 'issue', path: `/issues/${OLDEST}/` },
  ]);
  test.each(layouts)(
    '$name at $width px wide: nothing overflows horizontally',
    async ({ width, name, path }) => {
      const page = await open(path, { viewport: { width, height: 900 } });
      const layout = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
        // The first element that sticks out past the right edge, to say what overflows.
        culprit: [...document.querySelectorAll('body *')]
          .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
          .map((el) => `${el.tagName.toLowerCase()}.${el.className}`)[0],
      }));
      await page.screenshot({ path: join(shots, `archive-${name}-${width}.png`), fullPage: true });
      expect(layout).toEqual({ scrollWidth: expect.any(Number), innerWidth: width, culprit: undefined });
      expect(layout.scrollWidth).toBeLessThanOrEqual(layout.innerWidth);
    },
  );

  test('the pages read without JavaScript: the issue text and its meetings are there', async () => {
    const page = await open(`/issues/${OLDEST}/`, { javaScriptEnabled: false });
    const main = page.locator('main');
    await expect(main.locator('h1').isVisible()).resolves.toBe(true);
    const text = await main.innerText();
    expect(text).toContain('When Giants Learn To Dance');
    expect(text).toContain('The stroke programme met on Wednesday');
    const meetings = page.locator('section.meetings');
    await expect(meetings.isVisible()).resolves.toBe(true);
    const meetingText = await meetings.innerText();
    for (const title of ['Clinical forum', 'Leadership group', 'Care Provider Alliance'])
      expect(meetingText).toContain(title);
    // The index too; and the search page, which needs JavaScript, says so and points to the lists.
    const index = await open('/', { javaScriptEnabled: false });
    expect(await index.locator('main').innerText()).toContain('The giants are still learning to dance');
    const search = await open('/search/', { javaScriptEnabled: false });
    expect(await search.locator('main').innerText()).toContain('Search needs JavaScript');
  });

  const outlines = [
    ['the index', '/'],
    ['an issue', `/issues/${OLDEST}/`],
    ['a programme', '/programmes/stroke/'],
    ['the programmes index', '/programmes/'],
    ['the 404 page', '/no-such-page/at/all'],
  ] as const;
  test.each(outlines)('%s has one h1 and heading levels that never skip', async (_name, path) => {
    const notFound = path.startsWith('/no-such-page');
    const page = await open(path, {}, notFound ? 404 : 200);
    if (notFound) await expect(page.locator('h1').textContent()).resolves.toBe('Page not found');
    const levels = await page.evaluate(() =>
      [...document.querySelectorAll('h1, h2, h3, h4, h5, h6, [role="heading"]')].map((h) =>
        Number(h.getAttribute('aria-level') ?? h.tagName.slice(1)),
      ),
    );
    expect(levels.filter((l) => l === 1)).toHaveLength(1);
    expect(levels[0]).toBe(1);
    const skips = levels.flatMap((level, i) =>
      i > 0 && level > levels[i - 1]! + 1 ? [`h${levels[i - 1]} -> h${level}`] : [],
    );
    expect(skips).toEqual([]);
  });
});
