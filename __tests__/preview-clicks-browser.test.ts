import { appendFileSync, cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { hourOf } from '../src/analytics/click-store.js';
import { openSqliteStores } from '../src/store/sqlite/index.js';
import type { Stores } from '../src/store/stores.js';
import { axeViolations, browserAvailable, launchBrowser, onlyFrom } from './helpers/browser.js';
import { bulletin, repoRoot, spawnBulletin } from './helpers/cli.js';
import { startPreview, type RunningPreview } from './helpers/preview.js';
import { tempSite } from './helpers/site.js';
import { startSmtpServer } from './helpers/smtp.js';

const run = browserAvailable() ? describe : describe.skip;
const DATE = '2018-05-11';
const env = { BULLETIN_SECRET: 'preview-clicks-test-secret' };

/** `bulletin stats` of a sent issue, on the preview page under "After the send". */
run('the preview shows the clicks of a sent issue', () => {
  let browser: Browser;
  let preview: RunningPreview;
  let site: ReturnType<typeof tempSite>;
  let stores: Stores;

  beforeAll(async () => {
    site = tempSite();
    cpSync(join(repoRoot, 'bulletins', DATE), join(site.root, 'bulletins', DATE), { recursive: true });
    appendFileSync(join(site.root, 'bulletin.config.yaml'), '\nanalytics:\n  clicks: true\n');
    writeFileSync(join(site.root, 'members.csv'), 'email,name\nann@example.org,Ann\n');
    expect(
      bulletin(['subscribers', 'import', 'members.csv', '--list', 'weekly'], site.root, env).status,
    ).toBe(0);
    const smtp = await startSmtpServer();
    try {
      const sent = await spawnBulletin(['send', DATE, '--list', 'weekly', '--force'], site.root, {
        ...env,
        SMTP_URL: smtp.url,
      }).done;
      expect(sent.status).toBe(0);
    } finally {
      await smtp.close();
    }
    stores = openSqliteStores(join(site.root, '.bulletin', 'bulletin.db'));
    const links = await stores.clicks.counts(DATE);
    const of = (item: string | null) => links.filter((l) => l.item === item);
    const click = (link: string, kind: 'reader' | 'scanner') =>
      stores.clicks.record({ issue: DATE, link, hour: hourOf(Date.now()), kind });
    // Two of carers' links read three times; one of the lead's once; a scanner on two more.
    for (const link of [...of('02-carers.md').slice(0, 2), of('02-carers.md')[0]!])
      await click(link.id, 'reader');
    await click(of('issue.md')[0]!.id, 'reader');
    await click(links[0]!.id, 'scanner');
    await click(links[1]!.id, 'scanner');
    preview = await startPreview(site.root, [DATE], { ...env, BULLETIN_PREVIEW_POLL_MS: '300' });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await preview?.stop();
    await stores?.close();
    site?.remove();
  });

  test('readers and scanners in total, then each item by its readers, the most read first', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const foreign: string[] = [];
    await onlyFrom(context, preview.origin, foreign);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${preview.origin}/`);
    const total = page.locator('#clicks-total');
    await total.getByText('Clicks: 4 by readers, 2 by mail scanners').waitFor({ timeout: 20_000 });
    const rows = await page
      .locator('#clicks tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('th, td')].map((cell) => cell.textContent)),
      );
    expect(rows[0]).toEqual(['02-carers.md', '3']);
    expect(rows[1]).toEqual(['issue.md', '1']);
    // Every other item (and the email's own links, if any are left) after them, unread.
    for (const [label, readers] of rows.slice(2)) {
      expect(label).toMatch(/\.md$|^the email's own links$/);
      expect(readers).toBe('0');
    }

    // A click arrives while the page is open.
    await stores.clicks.record({
      issue: DATE,
      link: (await stores.clicks.counts(DATE))[0]!.id,
      hour: hourOf(Date.now()),
      kind: 'reader',
    });
    await total.getByText('Clicks: 5 by readers').waitFor({ timeout: 20_000 });
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
    await context.close();
  }, 90_000);
});
