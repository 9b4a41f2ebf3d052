import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { repoRoot } from './helpers/cli.js';
import { browserAvailable, launchBrowser } from './helpers/browser.js';
import { buildInMemory, tempSite } from './helpers/site.js';
import { load } from 'cheerio';

const axeSource = (createRequire(import.meta.url)('axe-core') as { source: string }).source;
const run = browserAvailable() ? describe : describe.skip;

run('the seed email in real Chromium', () => {
  let browser: Browser;
  let html: string;
  const shots = join(tmpdir(), 'bulletin-screenshots');

  beforeAll(async () => {
    browser = await launchBrowser();
    const report = await buildInMemory(repoRoot, '2018-05-11');
    html = report.email!.fill({
      email: 'jane@example.org',
      name: 'Jane',
      unsubscribeUrl: 'https://bulletin.wyhpartnership.example/u/1',
    }).html;
    mkdirSync(shots, { recursive: true });
  });
  afterAll(async () => browser?.close());

  test.each([375, 1280])(
    'at %i px wide nothing overflows horizontally and the text is readable',
    async (width) => {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      // Offline: the email must read without loading anything from the network.
      await page.route('**/*', (route) => route.abort());
      await page.setContent(html, { waitUntil: 'load' });
      const layout = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
        h1: document.querySelector('h1')?.getBoundingClientRect().width ?? 0,
        smallestFont: Math.min(
          ...[...document.querySelectorAll('p, li, h1, h2, h3, h4, a')]
            .filter((el) => (el as HTMLElement).offsetHeight > 2 && el.textContent?.trim())
            .map((el) => parseFloat(getComputedStyle(el).fontSize)),
        ),
      }));
      expect(layout.scrollWidth).toBeLessThanOrEqual(layout.innerWidth);
      expect(layout.h1).toBeGreaterThan(width === 375 ? 250 : 500);
      expect(layout.smallestFont).toBeGreaterThanOrEqual(12);
      await page.screenshot({ path: join(shots, `email-${width}.png`), fullPage: true });
      await page.close();
    },
  );

  // WCAG 2.1 A/AA rules. axe's best-practice landmark rules (one <main>, content in regions) are
  // for web pages; an email is one article, which MJML marks up with role="article".
  test('axe-core finds no WCAG 2.1 AA violations', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.route('**/*', (route) => route.abort());
    await page.setContent(html, { waitUntil: 'load' });
    await page.addScriptTag({ content: axeSource });
    const violations = await page.evaluate(async () => {
      const result = await (
        window as unknown as {
          axe: {
            run: (
              ctx: Document,
              options: object,
            ) => Promise<{ violations: { id: string; nodes: unknown[] }[] }>;
          };
        }
      ).axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] });
      return result.violations.map((v) => `${v.id} (${v.nodes.length})`);
    });
    expect(violations).toEqual([]);
    await page.close();
  });

  test('<html lang> and the article follow site.locale (en-GB), and another locale flows through', async () => {
    const $ = load(html);
    expect($('html').attr('lang')).toBe('en-GB');
    expect($('[role="article"]').attr('lang')).toBe('en-GB');
    const site = tempSite();
    try {
      const config = join(site.root, 'bulletin.config.yaml');
      writeFileSync(
        config,
        readFileSync(config, 'utf8').replace(
          '  timezone: Europe/London',
          '  timezone: Europe/London\n  locale: cy-GB',
        ),
      );
      site.write(
        '2018-05-11',
        'issue.md',
        '---\ntitle: Bwletin\ndate: 2018-05-11\nsummary: Crynodeb.\n---\nHelo.\n',
      );
      const welsh = load((await buildInMemory(site.root, '2018-05-11')).email!.withPlaceholders().html);
      expect([welsh('html').attr('lang'), welsh('[role="article"]').attr('lang')]).toEqual([
        'cy-GB',
        'cy-GB',
      ]);
    } finally {
      site.remove();
    }
  });

  // Mail apps that honour prefers-color-scheme (Apple Mail, iOS, Outlook for Mac) draw the email
  // dark when it says it supports that; its own dark colours must keep WCAG AA contrast.
  test('in dark mode the email is dark and axe finds no colour-contrast violations', async () => {
    const $ = load(html);
    expect($('meta[name="color-scheme"]').attr('content')).toBe('light dark');
    expect($('meta[name="supported-color-schemes"]').attr('content')).toBe('light dark');
    const page = await browser.newPage({ viewport: { width: 640, height: 900 }, colorScheme: 'dark' });
    await page.route('**/*', (route) => route.abort());
    await page.setContent(html, { waitUntil: 'load' });
    await page.addScriptTag({ content: axeSource });
    const result = await page.evaluate(async () => {
      type Axe = {
        run: (
          ctx: Document,
          options: object,
        ) => Promise<{ violations: { id: string; nodes: { target: unknown; failureSummary?: string }[] }[] }>;
      };
      const axe = (window as unknown as { axe: Axe }).axe;
      const contrast = await axe.run(document, { runOnly: ['color-contrast'] });
      // Relative luminance of a computed rgb() colour (WCAG's formula).
      const luminance = (css: string) => {
        const [r, g, b] = (css.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((v) => {
          const c = Number(v) / 255;
          return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
      };
      const h1 = document.querySelector('h1')!;
      let card: Element | null = h1;
      while (card && getComputedStyle(card).backgroundColor.match(/rgba\(0, 0, 0, 0\)|transparent/))
        card = card.parentElement;
      return {
        violations: contrast.violations.flatMap((v) =>
          v.nodes.map((n) => `${v.id} ${JSON.stringify(n.target)}: ${n.failureSummary ?? ''}`),
        ),
        body: luminance(getComputedStyle(document.body).backgroundColor),
        card: card ? luminance(getComputedStyle(card).backgroundColor) : 1,
        text: luminance(getComputedStyle(h1).color),
      };
    });
    await page.screenshot({ path: join(shots, 'email-dark-640.png'), fullPage: true });
    await page.close();
    expect(result.violations).toEqual([]);
    expect(result.body).toBeLessThan(0.05);
    expect(result.card).toBeLessThan(0.05);
    expect(result.text).toBeGreaterThan(0.6);
  });
});
