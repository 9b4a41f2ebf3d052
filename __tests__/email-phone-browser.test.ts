import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { runPipeline } from '../src/build/pipeline.js';
import { browserAvailable, launchBrowser } from './helpers/browser.js';
import { repoRoot } from './helpers/cli.js';
import { buildInMemory, tempSite } from './helpers/site.js';

const run = browserAvailable() ? describe : describe.skip;
const BASE = 'https://bulletin.wyhpartnership.example';
const SEED = '2018-05-11';
const PHONE = { width: 375, height: 812 };
const axeSource = (createRequire(import.meta.url)('axe-core') as { source: string }).source;

/** WCAG 2.1 A/AA, as for the seed email: axe's landmark best practices are for web pages, not an email. */
async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axeSource });
  return page.evaluate(async () => {
    type Axe = {
      run: (ctx: Document, o: object) => Promise<{ violations: { id: string; nodes: unknown[] }[] }>;
    };
    const result = await (window as unknown as { axe: Axe }).axe.run(document, {
      runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'],
    });
    return result.violations.map((v) => `${v.id} (${v.nodes.length})`);
  });
}

/** A copy of the sample site (config and every issue), to change without touching the repository's. */
function seedCopy(configEdit: (yaml: string) => string = (yaml) => yaml) {
  const site = tempSite();
  cpSync(join(repoRoot, 'bulletins'), join(site.root, 'bulletins'), { recursive: true });
  const config = join(site.root, 'bulletin.config.yaml');
  writeFileSync(config, configEdit(readFileSync(config, 'utf8')));
  return site;
}

/** The email as Jane sees it: offline, except the archive, which is served from the built dist/site. */
async function openEmail(browser: Browser, html: string, siteDir?: string): Promise<Page> {
  const page = await browser.newPage({ viewport: PHONE });
  await page.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (!siteDir || url.origin !== BASE) return route.abort();
    const path = join(
      siteDir,
      decodeURIComponent(url.pathname),
      url.pathname.endsWith('/') ? 'index.html' : '',
    );
    if (!existsSync(path)) return route.fulfill({ status: 404, body: 'not found' });
    const type = { '.html': 'text/html', '.css': 'text/css', '.js': 'text/javascript' }[extname(path)];
    return route.fulfill({
      status: 200,
      body: readFileSync(path),
      contentType: type ?? 'application/octet-stream',
    });
  });
  await page.setContent(html, { waitUntil: 'load' });
  return page;
}

const fillFor = { email: 'jane@example.org', name: 'Jane', unsubscribeUrl: `${BASE}/u/1` };

run('the email on a phone (375 px): contents, excerpt, tags, author, footer', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => browser?.close());

  test('"In this issue" is the first thing after the header, and every entry leads to its item', async () => {
    const site = seedCopy();
    try {
      await runPipeline({ root: site.root, dates: [SEED], write: true, site: true, cache: false });
      const html = readFileSync(join(site.root, 'dist', 'email', SEED, 'email.html'), 'utf8');
      const page = await openEmail(browser, html, join(site.root, 'dist', 'site'));
      const firstAfterHeader = await page.evaluate(() => {
        const header = [...document.querySelectorAll('div')].find((d) =>
          d.textContent?.trim().startsWith('West Yorkshire and Harrogate Health and Care Partnership'),
        );
        const contents = document.querySelector('[role="navigation"][aria-label="In this issue"]');
        if (!header || !contents) return null;
        // Nothing with text between the header's end and the contents list.
        const range = document.createRange();
        range.setStartAfter(header);
        range.setEndBefore(contents);
        return {
          between: range.toString().trim(),
          heading: contents.querySelector('h2')?.textContent?.trim(),
        };
      });
      expect(firstAfterHeader).toEqual({ between: '', heading: 'In this issue' });
      const entries = await page.$$eval('[role="navigation"] a', (links) =>
        links.map((a) => ({ text: a.textContent?.trim() ?? '', href: (a as HTMLAnchorElement).href })),
      );
      expect(entries.map((e) => e.text)).toEqual([
        'The giants are still learning to dance',
        ...[...html.matchAll(/<h4 id="item-[^"]+"[^>]*>([^<]+)<\/h4>/g)].map((m) => m[1]),
        "What's happening next week?",
      ]);
      expect(entries.length).toBeGreaterThan(5);
      // Each entry opens the archive page at that item (the same id on the page as in the email).
      for (const entry of entries) {
        await page.goto(entry.href);
        const hash = new URL(entry.href).hash.slice(1);
        const target = await page.evaluate((id) => {
          const el = id ? document.getElementById(id) : document.querySelector('h1');
          if (!el) return null;
          const box = el.getBoundingClientRect();
          return {
            text: el.textContent?.trim(),
            inView:
              box.top > -1 && box.top < window.innerHeight ? true : `${box.top} of ${window.innerHeight}`,
          };
        }, hash);
        expect({ entry: entry.text, target }).toEqual({
          entry: entry.text,
          target: { text: entry.text, inView: true },
        });
        if (hash) expect(html).toContain(`id="${hash}"`);
      }
      await page.close();
    } finally {
      site.remove();
    }
  });

  test('lead: excerpt shows the first paragraphs and "Continue reading" to the archive page', async () => {
    const site = seedCopy((yaml) => `${yaml}\nlead: excerpt\n`);
    try {
      const email = (await buildInMemory(site.root, SEED)).email!;
      const { html, text } = email.fill(fillFor);
      const page = await openEmail(browser, html);
      const link = await page.$eval('a.continue-reading', (a) => ({
        text: a.textContent?.trim(),
        href: (a as HTMLAnchorElement).href,
      }));
      expect(link).toEqual({
        text: 'Continue reading: The giants are still learning to dance',
        href: `${BASE}/issues/${SEED}/`,
      });
      expect(html).toContain('Those of you who have been involved');
      expect(html).not.toContain('I hope we can invent it together');
      expect(text).toContain(
        `Continue reading: The giants are still learning to dance\n${BASE}/issues/${SEED}/`,
      );
      expect(text).not.toContain('I hope we can invent it together');
      expect(await axeViolations(page)).toEqual([]);
      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      console.log(`seed week at 375 px with lead: excerpt: scroll height ${height} px`);
      await page.close();
    } finally {
      site.remove();
    }
  });

  test('tags read as one grouped line, the author is named once, the footer names the list', async () => {
    const site = seedCopy();
    const stroke = join(site.root, 'bulletins', SEED, '05-stroke-programme.md');
    writeFileSync(
      stroke,
      readFileSync(stroke, 'utf8').replace(
        'programme: stroke\n',
        'programme: stroke\nplaces: [wakefield, leeds]\n',
      ),
    );
    const email = await buildInMemory(site.root, SEED)
      .finally(site.remove)
      .then((report) => report.email!);
    const { html, text } = email.fill({
      ...fillFor,
      listName: 'Weekly bulletin',
      subscribedOn: '3 March 2026',
    });
    const page = await openEmail(browser, html);
    const body = await page.evaluate(() => document.body.innerText);
    expect(body).toContain('Programmes: Stroke · Places: Wakefield, Leeds');
    expect(body).toContain('Programmes: Maternity, Stroke');
    expect(text).toContain('Programmes: Stroke · Places: Wakefield, Leeds');
    // Never a bare run of names, as before ("Maternity · Stroke").
    expect(body).not.toMatch(/^Maternity · Stroke/m);
    expect(body.split('Robin Tuddenham').length - 1).toBe(1);
    expect(body).toContain(
      'You receive the Weekly bulletin at jane@example.org because you subscribed on 3 March 2026.',
    );
    expect(text.replace(/\s+/g, ' ')).toContain(
      'You receive the Weekly bulletin at jane@example.org because you subscribed on 3 March 2026.',
    );
    const unknownDate = email.fill({ ...fillFor, listName: 'System leaders' });
    expect(unknownDate.text.replace(/\s+/g, ' ')).toContain(
      'You receive this email at jane@example.org because you subscribed to the System leaders.',
    );
    await page.close();
  });

  test('email.showTags: false hides the tag lines', async () => {
    const site = seedCopy((yaml) => `${yaml}\nemail:\n  showTags: false\n`);
    try {
      const { html, text } = (await buildInMemory(site.root, SEED)).email!.fill(fillFor);
      expect(html).not.toContain('Programmes:');
      expect(text).not.toContain('Programmes:');
    } finally {
      site.remove();
    }
  });

  test('axe finds nothing, the HTML stays under the 102 KB clip, and the scroll height is measured', async () => {
    const { html } = (await buildInMemory(repoRoot, SEED)).email!.fill(fillFor);
    expect(Buffer.byteLength(html)).toBeLessThan(102 * 1024);
    const page = await openEmail(browser, html);
    expect(await axeViolations(page)).toEqual([]);
    const { height, firstItem } = await page.evaluate(() => ({
      height: document.documentElement.scrollHeight,
      firstItem: Math.round(document.querySelector('h4')?.getBoundingClientRect().top ?? -1),
    }));
    console.log(
      `seed week at 375 px: scroll height ${height} px, first item's title at ${firstItem} px, ` +
        `${Buffer.byteLength(html)} bytes of HTML`,
    );
    await page.close();
  });
});
