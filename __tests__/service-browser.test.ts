import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { simpleParser } from 'mailparser';
import { SqliteSendLedger } from '../src/store/sqlite/ledger.js';
import { buildMessage } from '../src/dispatch/message.js';
import { runSend } from '../src/dispatch/send.js';
import { outboxTransport } from '../src/dispatch/transports.js';
import { axeViolations, browserAvailable, launchBrowser, onlyFrom } from './helpers/browser.js';
import { repoRoot } from './helpers/cli.js';
import { removeArchive, SECRET, startService, type TestService } from './helpers/service.js';
import { buildInMemory } from './helpers/site.js';

const run = browserAvailable() ? describe : describe.skip;

const READER = 'reader@example.org';
const ISSUE = '2018-05-25';

run('the subscription service in real Chromium', () => {
  let browser: Browser;
  let service: TestService;
  let context: BrowserContext;
  let page: Page;
  const foreignRequests: string[] = [];
  const consoleErrors: string[] = [];
  const shots = join(tmpdir(), 'bulletin-screenshots');

  beforeAll(async () => {
    service = await startService();
    browser = await launchBrowser();
    mkdirSync(shots, { recursive: true });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // Everything a page asks for must come from the service itself: record and refuse the rest.
    await onlyFrom(context, service.origin, foreignRequests);
    page = await context.newPage();
    // CSP violations, failed loads and script errors all surface as console errors in Chromium.
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(`${page.url()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => consoleErrors.push(`${page.url()}: ${error.message}`));
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await service?.close();
    removeArchive();
  });

  /** Every rule axe enables by default, as the archive's own browser test runs it. */
  async function expectNoAxeViolations(): Promise<void> {
    expect(await axeViolations(page)).toEqual([]);
  }

  /** The page is the one we expect (by its h1), passes axe, and is kept as a screenshot. */
  async function expectPage(heading: string, shot: string): Promise<void> {
    await expect(page.locator('h1').textContent()).resolves.toBe(heading);
    await expectNoAxeViolations();
    await page.screenshot({ path: join(shots, `service-${shot}.png`), fullPage: true });
  }

  /** Presses a submit button and waits for the page the form's POST answers with. */
  async function submit(button: string): Promise<void> {
    const [response] = await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: button, exact: true }).click(),
    ]);
    expect(response?.status()).toBe(200);
  }

  async function open(url: string): Promise<void> {
    const response = await page.goto(url, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
  }

  const weeklyStatus = async () =>
    (await service.store.memberships(READER)).find((m) => m.list === 'weekly')?.status;

  /**
   * Sends the issue to the weekly list as `bulletin send` would, into the outbox; returns the reader's
   * List-Unsubscribe URL.
   */
  async function sendIssueAndTakeUnsubscribeUrl(): Promise<string> {
    const email = (await buildInMemory(repoRoot, ISSUE)).email!;
    const ledger = new SqliteSendLedger(join(service.root, '.bulletin', 'bulletin.db'));
    const outbox = join(service.root, '.bulletin', 'outbox');
    const transport = outboxTransport(outbox, ISSUE, 'weekly');
    // The service's config: its baseUrl is the test server, so the links in the mail lead back to it.
    const job = {
      issue: ISSUE,
      list: 'weekly',
      message: (to: { email: string; name: string | null }) =>
        buildMessage(email, service.config, 'weekly', to, SECRET),
    };
    try {
      const summary = await runSend(job, service.store, ledger, transport, {
        concurrency: 1,
        rate: 1000,
        maxAttempts: 1,
        retryBaseMs: 10,
        pauseAfterFailures: 10,
      });
      expect(summary.counts).toMatchObject({ sent: 1, failed: 0, unknown: 0 });
    } finally {
      await transport.close();
      await ledger.close();
    }
    const folder = join(outbox, ISSUE, 'weekly');
    const files = readdirSync(folder).filter((name) => name.endsWith('.eml'));
    expect(files).toEqual([`${READER}.eml`]);
    const message = await simpleParser(readFileSync(join(folder, files[0]!)));
    expect((message.to as { text: string }).text).toContain(READER);
    const header = message.headerLines
      .find((h) => h.key === 'list-unsubscribe')!
      .line.replace(/^[^:]+:\s*/, '')
      .replace(/\s+/g, '');
    return header.replace(/^<|>$/g, '');
  }

  test('subscribe, confirm, get an issue, unsubscribe from it and choose the list again', async () => {
    // 1. The subscribe form: double opt-in, so the address is only pending afterwards.
    await open(`${service.origin}/subscribe`);
    await expectPage('Subscribe to the bulletin', 'subscribe');
    await page.getByLabel('Email address').fill(READER);
    await page.getByLabel('Your name').fill('Rea Der');
    const weekly = page.getByLabel('Weekly bulletin', { exact: true });
    if (!(await weekly.isChecked())) await weekly.check();
    await submit('Subscribe');
    await expectPage('Check your inbox', 'check-your-inbox');
    expect(await service.store.memberships(READER)).toEqual([{ list: 'weekly', status: 'pending' }]);

    // 2. The link in the confirmation mail opens a page with a button; opening it confirms nothing,
    // because mail scanners follow links.
    const confirmLink = await service.linkIn(READER);
    expect(confirmLink.startsWith(`${service.origin}/confirm?token=`)).toBe(true);
    await open(confirmLink);
    await expectPage('Confirm your subscription', 'confirm');
    expect(await page.locator('main').innerText()).toContain(READER);
    expect(await weeklyStatus()).toBe('pending');
    await submit('Confirm my subscription');
    await expectPage('You are subscribed', 'subscribed');
    expect(await weeklyStatus()).toBe('subscribed');

    // 3. An issue goes out to the weekly list: the reader gets exactly one message.
    const unsubscribeUrl = await sendIssueAndTakeUnsubscribeUrl();
    expect(unsubscribeUrl.startsWith(`${service.origin}/unsubscribe?token=`)).toBe(true);

    // 4. Opening List-Unsubscribe with GET shows a button and changes nothing until it is pressed.
    await open(unsubscribeUrl);
    await expectPage('Unsubscribe', 'unsubscribe');
    expect(await page.locator('main').innerText()).toContain(READER);
    expect(await weeklyStatus()).toBe('subscribed');
    await submit('Unsubscribe');
    await expectPage('You are unsubscribed', 'unsubscribed');
    expect(await weeklyStatus()).toBe('unsubscribed');

    // 5. The page offers the preferences, where the reader can take the list back.
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('link', { name: 'Choose which lists you get', exact: true }).click(),
    ]);
    await expectPage('Your subscription', 'preferences');
    const weeklyChoice = page.getByLabel('Weekly bulletin', { exact: true });
    expect(await weeklyChoice.isChecked()).toBe(false);
    await weeklyChoice.check();
    await submit('Save my choices');
    await expect(page.getByRole('status').textContent()).resolves.toBe('Saved.');
    await expectPage('Your subscription', 'preferences-saved');
    expect(await page.getByLabel('Weekly bulletin', { exact: true }).isChecked()).toBe(true);
    expect(await weeklyStatus()).toBe('subscribed');

    // 6. The pages stayed on the service and ran clean: no other host, no CSP report, no script error.
    expect(foreignRequests).toEqual([]);
    expect(consoleErrors).toEqual([]);
  }, 120_000);
});
