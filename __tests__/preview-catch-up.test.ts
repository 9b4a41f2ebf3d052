import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { browserAvailable, launchBrowser, onlyFrom } from './helpers/browser.js';
import { repoRoot, spawnBulletin } from './helpers/cli.js';
import { startPreview, type RunningPreview } from './helpers/preview.js';
import { tempSite } from './helpers/site.js';

const run = browserAvailable() ? describe : describe.skip;
const DATE = '2018-05-25';
const ROUNDS = 12;

/**
 * A writer opens the preview and saves at once, before the page has finished loading: whatever
 * the page has fetched by then, it must end up showing the save, every time.
 */
run('bulletin preview catches up with an edit saved while the page opens', () => {
  let browser: Browser;
  let preview: RunningPreview;
  let site: ReturnType<typeof tempSite>;

  beforeAll(async () => {
    site = tempSite();
    cpSync(join(repoRoot, 'bulletins', DATE), join(site.root, 'bulletins', DATE), { recursive: true });
    preview = await startPreview(site.root, [DATE]);
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await preview?.stop();
    site?.remove();
  });

  test(`an edit right after the page opens shows, ${ROUNDS} times out of ${ROUNDS}`, async () => {
    const itemFile = join(site.root, 'bulletins', DATE, '03-carers-week.md');
    const original = readFileSync(itemFile, 'utf8');
    const missed: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
      const refused: string[] = [];
      await onlyFrom(context, preview.origin, refused);
      const page = await context.newPage();
      try {
        const title = `Carers Week, round ${round}`;
        // The save lands while the page loads its script, its first state or the email, or just after.
        await page.goto(`${preview.origin}/`, {
          waitUntil: (['commit', 'domcontentloaded', 'load'] as const)[round % 3],
        });
        await new Promise((resolve) => setTimeout(resolve, (round * 37) % 400));
        writeFileSync(itemFile, original.replace('title: Carers Week', `title: ${title}`));
        const shown = await page
          .frameLocator('#frame')
          .getByRole('heading', { name: title, exact: true })
          .waitFor({ timeout: 10_000 })
          .then(
            () => true,
            () => false,
          );
        if (!shown)
          missed.push(
            `round ${round}: page at version ${await page.evaluate(() => document.body.dataset.version)}, showing ${await page.evaluate(() => document.body.dataset.shownVersion)}`,
          );
        else await expect(page.locator('#files').textContent()).resolves.toContain(title);
        expect(refused).toEqual([]);
      } finally {
        await context.close();
      }
    }
    writeFileSync(itemFile, original);
    expect(missed).toEqual([]);
  }, 300_000);

  test('a page left open while the preview restarts shows what was saved in between', async () => {
    // The same port, so the page's event stream reconnects to the new preview by itself.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const itemFile = join(site.root, 'bulletins', DATE, '03-carers-week.md');
    const original = readFileSync(itemFile, 'utf8');
    let restarted = await startPreview(site.root, [DATE, '--port', String(port)]);
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    const page = await context.newPage();
    try {
      await page.goto(`${restarted.origin}/`);
      await page.waitForSelector('body[data-shown-version]');
      await restarted.stop();
      // Saved while no preview runs: the new one's first build is the page's news, whatever its number.
      writeFileSync(itemFile, original.replace(/^title: .*$/m, 'title: Carers Week, saved while stopped'));
      restarted = await startPreview(site.root, [DATE, '--port', String(port)]);
      // The page reconnects and draws the new build's state (its file list)...
      await page
        .locator('#files', { hasText: 'Carers Week, saved while stopped' })
        .waitFor({ timeout: 20_000 });
      // ...and must show its email too, though the new preview numbers its builds from 1 again.
      await page
        .frameLocator('#frame')
        .getByRole('heading', { name: 'Carers Week, saved while stopped', exact: true })
        .waitFor({ timeout: 5_000 });
    } finally {
      await context.close();
      await restarted.stop();
      writeFileSync(itemFile, original);
    }
  }, 120_000);
});

/**
 * The preview answers on its port before its file watcher is ready: a save made then (a writer
 * quick off the mark, or a script that polls the port) must still reach the page.
 */
describe('bulletin preview catches up with a save made before it watches', () => {
  test('an edit saved as soon as the port answers is shown once the preview is ready', async () => {
    const site = tempSite();
    cpSync(join(repoRoot, 'bulletins', DATE), join(site.root, 'bulletins', DATE), { recursive: true });
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const itemFile = join(site.root, 'bulletins', DATE, '03-carers-week.md');
    const running = spawnBulletin(['preview', DATE, '--port', String(port)], site.root);
    try {
      await waitFor(
        () =>
          fetch(`${origin}/`).then(
            (response) => response.ok,
            () => false,
          ),
        30_000,
      );
      const edited = readFileSync(itemFile, 'utf8').replace(
        /^title: .*$/m,
        'title: Carers Week, saved at once',
      );
      writeFileSync(itemFile, edited);
      const shows = () =>
        fetch(`${origin}/email.txt`).then(
          async (response) => (await response.text()).includes('saved at once'),
          () => false,
        );
      await waitFor(shows, 10_000);
    } finally {
      running.child.kill('SIGTERM');
      await running.done;
      site.remove();
    }
  }, 60_000);
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not so within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
