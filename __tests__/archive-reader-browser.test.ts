import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { axeViolations, browserAvailable, launchBrowser, onlyFrom } from './helpers/browser.js';
import { removeArchive, startService, type TestService } from './helpers/service.js';

const run = browserAvailable() ? describe : describe.skip;

const READER = 'footer-reader@example.org';
const ISSUE = '2018-05-11';

// Issue 16: what a reader of the archive can do from any issue page, in real Chromium against the real
// `bulletin serve` (its archive and its subscription routes, on a loopback port).
run('the archive issue page for a reader', () => {
  let browser: Browser;
  let service: TestService;
  const contexts: BrowserContext[] = [];
  const foreign: string[] = [];
  const consoleErrors: string[] = [];
  const shots = join(tmpdir(), 'bulletin-screenshots');

  async function open(path: string, width = 1280): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    contexts.push(context);
    await onlyFrom(context, service.origin, foreign);
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(`${page.url()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => consoleErrors.push(`${page.url()}: ${error.message}`));
    const response = await page.goto(service.origin + path, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    return page;
  }

  beforeAll(async () => {
    service = await startService();
    browser = await launchBrowser();
    mkdirSync(shots, { recursive: true });
  }, 180_000);

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
    expect(foreign.splice(0)).toEqual([]);
    expect(consoleErrors.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await service?.close();
    removeArchive();
  });

  test('the subscribe form in the footer of an issue page subscribes through the service', async () => {
    const page = await open(`/issues/${ISSUE}/`, 375);
    const form = page.locator('footer').getByRole('form', { name: 'Get the bulletin by email' });
    await form.getByLabel('Email address').fill(READER);
    const weekly = form.getByLabel('Weekly bulletin', { exact: true });
    if (!(await weekly.isChecked())) await weekly.check();
    await page.screenshot({ path: join(shots, 'archive-footer-subscribe-375.png'), fullPage: true });
    const [response] = await Promise.all([
      page.waitForNavigation(),
      form.getByRole('button', { name: 'Subscribe' }).click(),
    ]);
    expect(response?.status()).toBe(200);
    await expect(page.locator('h1').textContent()).resolves.toBe('Check your inbox');
    expect(await service.store.memberships(READER)).toEqual([{ list: 'weekly', status: 'pending' }]);
    expect(await service.linkIn(READER)).toMatch(new RegExp(`^${service.origin}/confirm\\?token=`));
  }, 60_000);

  test('every archive page but /subscribe has the footer form; /subscribe has exactly one form', async () => {
    for (const path of ['/', '/programmes/stroke/', `/issues/${ISSUE}/`, '/search/']) {
      const page = await open(path);
      await expect(page.locator('footer form[action$="subscribe"]').count()).resolves.toBe(1);
    }
    const subscribe = await open('/subscribe/');
    await expect(subscribe.locator('form[action$="subscribe"]').count()).resolves.toBe(1);
  }, 60_000);

  test('every item has its own anchor and a visible "link to this item" that leads to it', async () => {
    const page = await open(`/issues/${ISSUE}/`, 375);
    const items = page.locator('main article.item');
    const count = await items.count();
    expect(count).toBeGreaterThanOrEqual(5);
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const item = items.nth(i);
      // The id is on the heading, whose text is the title alone: the email's contents list links there.
      const heading = item.locator('h4');
      const id = await heading.getAttribute('id');
      expect(id).toMatch(/^item-[a-z0-9-]+$/);
      ids.push(id!);
      const title = (await heading.textContent())!.trim();
      // Chromium puts a space before the visually hidden span's text (it is absolutely positioned).
      const name = new RegExp(`^Link to this item ?: ${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
      const link = item.getByRole('link', { name });
      await expect(link.isVisible()).resolves.toBe(true);
      await expect(link.getAttribute('href')).resolves.toBe(`#${id}`);
    }
    expect(new Set(ids).size).toBe(count);
    // A colleague shares the last item's link: opening it lands with that item in view.
    const last = ids.at(-1)!;
    const shared = await open(`/issues/${ISSUE}/#${last}`, 375);
    const inView = await shared.locator(`[id="${last}"]`).evaluate((el) => {
      const box = el.getBoundingClientRect();
      return box.top >= -1 && box.top < window.innerHeight;
    });
    expect(inView).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
  }, 60_000);
});
