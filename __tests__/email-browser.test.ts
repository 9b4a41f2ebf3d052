import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { repoRoot } from './helpers/cli.js';
import { browserAvailable, launchBrowser } from './helpers/browser.js';
import { buildInMemory } from './helpers/site.js';

const axeSource = (createRequire(import.meta.url)('axe-core') as { source: string }).source;
const run = browserAvailable() ? describe : describe.skip;

run('the seed email in real Chromium', () => {
  let browser: Browser;
  let html: string;
  const shots = join(tmpdir(), 'bulletin-screenshots');

  beforeAll(async () => {
    browser = await launchBrowser();
    const report = await buildInMemory(repoRoot, '2018-05-11');
    html = report.email!.fill({ email: 'jane@example.org', name: 'Jane', unsubscribeUrl: 'https://bulletin.wyhpartnership.example/u/1' }).html;
    mkdirSync(shots, { recursive: true });
  });
  afterAll(async () => browser?.close());

  test.each([375, 1280])('at %i px wide nothing overflows horizontally and the text is readable', async (width) => {
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
  });

  // WCAG 2.1 A/AA rules. axe's best-practice landmark rules (one <main>, content in regions) are
  // for web pages; an email is one article, which MJML marks up with role="article".
  test('axe-core finds no WCAG 2.1 AA violations', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.route('**/*', (route) => route.abort());
    await page.setContent(html, { waitUntil: 'load' });
    await page.addScriptTag({ content: axeSource });
    const violations = await page.evaluate(async () => {
      const result = await (window as unknown as { axe: { run: (ctx: Document, options: object) => Promise<{ violations: { id: string; nodes: unknown[] }[] }> } }).axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] });
      return result.violations.map((v) => `${v.id} (${v.nodes.length})`);
    });
    expect(violations).toEqual([]);
    await page.close();
  });
});
