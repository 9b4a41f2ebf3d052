import { cpSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { openSqliteStores } from '../src/store/sqlite/index.js';
import type { Stores } from '../src/store/stores.js';
import { hearBounces, sentLedger } from './helpers/bounces.js';
import { axeViolations, browserAvailable, launchBrowser, onlyFrom } from './helpers/browser.js';
import { repoRoot } from './helpers/cli.js';
import { buildEvents, type BuildState, startPreview, type RunningPreview } from './helpers/preview.js';
import { tempSite } from './helpers/site.js';

const run = browserAvailable() ? describe : describe.skip;
const DATE = '2018-05-25';

type WithSends = BuildState & { release?: { sends: { list: string; line: string; notes: unknown[] }[] } };

/** The numbers `bulletin status` gives after a send, on the preview page where the send's status is. */
run('the preview shows what was heard after the send', () => {
  let browser: Browser;
  let preview: RunningPreview;
  let site: ReturnType<typeof tempSite>;
  let stores: Stores;

  beforeAll(async () => {
    site = tempSite();
    cpSync(join(repoRoot, 'bulletins', DATE), join(site.root, 'bulletins', DATE), { recursive: true });
    stores = openSqliteStores(join(site.root, '.bulletin', 'bulletin.db'));
    await sentLedger(stores, DATE, 'weekly', 1000);
    await hearBounces(stores, DATE, 'weekly', 'hard', 0, 25);
    await hearBounces(stores, DATE, 'weekly', 'soft', 100, 5);
    preview = await startPreview(site.root, [DATE], { BULLETIN_PREVIEW_POLL_MS: '300' });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await preview?.stop();
    await stores?.close();
    site?.remove();
  });

  test('per list: delivered, bounced hard and soft, complaints, their rates, and the alerts, as they come in', async () => {
    const line =
      'weekly: 1000 sent, 970 delivered (97 %), bounced 25 hard (2.5 %) / 5 soft (0.5 %), 0 complaints (0 %)';
    const events = await buildEvents(preview.origin);
    try {
      const state = (await events.next((s) => (s as WithSends).release?.sends !== undefined)) as WithSends;
      expect(state.release!.sends.map((send) => send.line)).toEqual([line]);
    } finally {
      events.close();
    }

    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const foreign: string[] = [];
    await onlyFrom(context, preview.origin, foreign);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${preview.origin}/`);
    const send = page.locator('#sends li', { hasText: line });
    await send.waitFor({ timeout: 20_000 });
    await expect(send.locator('.note.alert').textContent()).resolves.toMatch(
      /^Alert: hard-bounce rate 2\.5 % is past 2 %: the list holds dead addresses/,
    );
    expect(await send.locator('.note.warning').count()).toBe(0);
    // analytics.clicks was off for this send: no link table, so nothing about clicks.
    expect(await page.locator('#clicks-total').isVisible()).toBe(false);
    expect(await page.locator('#clicks').isVisible()).toBe(false);

    // Two complaints arrive while the page is open: 0.2 %, past Gmail's 0.1 %.
    await hearBounces(stores, DATE, 'weekly', 'complaint', 200, 2);
    const warned = page.locator('#sends li', { hasText: '2 complaints (0.2 %)' });
    await warned.waitFor({ timeout: 20_000 });
    await expect(warned.locator('.note.warning').textContent()).resolves.toMatch(
      /^Warning: complaint rate 0\.2 % is past 0\.1 %, Gmail's advice for bulk senders/,
    );
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
    await context.close();
  }, 90_000);
});
