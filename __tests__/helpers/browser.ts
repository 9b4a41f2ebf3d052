import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Debian's chromium, never a downloaded browser. Without it the browser tests skip loudly on a
 * developer's machine; under CI they fail, because CI must install it (see .ci/run).
 */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI)
    throw new Error(
      `CI is set but there is no Chromium at ${CHROMIUM}: .ci/run must apt-get install chromium.`,
    );
  console.warn(
    `\n*** SKIPPING BROWSER TESTS: no Chromium at ${CHROMIUM}. Install it with: apt-get install -y chromium ***\n`,
  );
  return false;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

const axeSource = (createRequire(import.meta.url)('axe-core') as { source: string }).source;

/**
 * What axe finds on the page as drawn now, every rule it enables by default (WCAG 2.x A and AA and
 * best practice), one line per violation. Injected by evaluation, not addScriptTag: the pages'
 * CSP refuses inline scripts, and must stay on so that a real violation would show.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  return page.evaluate(async () => {
    type Axe = {
      run: (
        ctx: Document,
      ) => Promise<{ violations: { id: string; help: string; nodes: { target: unknown }[] }[] }>;
    };
    const result = await (window as unknown as { axe: Axe }).axe.run(document);
    return result.violations.map(
      (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')})`,
    );
  });
}

/** Lets the context reach `origin` only: every other request is recorded in `refused` and aborted. */
export async function onlyFrom(context: BrowserContext, origin: string, refused: string[]): Promise<void> {
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`)) return route.continue();
    refused.push(url);
    return route.abort();
  });
}
