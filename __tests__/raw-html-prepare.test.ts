import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareFresh } from '../src/build/prepare.js';
import { loadConfig } from '../src/content/config.js';
import { repoRoot } from './helpers/cli.js';

/**
 * Preparing an issue loads the raw HTML parser itself when a body needs it (prepare.ts awaits
 * loadRendererFor): nothing else in this file's module registry has loaded it, so an issue whose
 * only raw HTML is in one item's body would fail to render if it did not.
 */
const DATE = '2018-05-11';

let site: string;
beforeAll(() => {
  site = mkdtempSync(join(tmpdir(), 'bulletin-raw-html-'));
  cpSync(join(repoRoot, 'bulletins', DATE), join(site, 'bulletins', DATE), { recursive: true });
  cpSync(join(repoRoot, 'bulletin.config.yaml'), join(site, 'bulletin.config.yaml'));
});
afterAll(() => rmSync(site, { recursive: true, force: true }));

test('an issue whose only raw HTML is in an item body is prepared and rendered, the HTML kept as sanitized', async () => {
  const dir = join(site, 'bulletins', DATE);
  const item = readdirSync(dir).find((name) => name.endsWith('.md') && name !== 'issue.md')!;
  const file = join(dir, item);
  writeFileSync(file, `${readFileSync(file, 'utf8')}\nA line with <kbd>raw HTML</kbd>.\n`);
  const { config } = await loadConfig(site);
  const prepared = await prepareFresh(site, DATE, config!);
  expect(prepared.problems.filter((problem) => problem.severity === 'error')).toEqual([]);
  const bodies = prepared.rendered!.items.map(({ body }) => body.webHtml).join('\n');
  expect(bodies).toContain('<kbd>raw HTML</kbd>');
  expect(prepared.rendered!.lead.webHtml).not.toContain('<kbd>');
});
