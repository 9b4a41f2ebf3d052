import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/content/config.js';
import { loadIssue } from '../src/content/load-issue.js';
import { loadRawHtmlSupport, renderMarkdown } from '../src/render/markdown.js';
import { rendererFor, renderIssueContent } from '../src/render/render-issue.js';
import { prepareFresh } from '../src/build/prepare.js';
import { repoRoot } from './helpers/cli.js';

/**
 * rehype-raw (and parse5) is loaded only for a body with raw HTML: this file's modules are its own
 * (one module registry per test file), so nothing has loaded it before the first test.
 */
const base = 'https://bulletin.example.org/issues/2018-05-11/';
const DATE = '2018-05-11';

let site: string;
beforeAll(() => {
  site = mkdtempSync(join(tmpdir(), 'bulletin-raw-html-'));
  cpSync(join(repoRoot, 'bulletins', DATE), join(site, 'bulletins', DATE), { recursive: true });
  cpSync(join(repoRoot, 'bulletin.config.yaml'), join(site, 'bulletin.config.yaml'));
});
afterAll(() => rmSync(site, { recursive: true, force: true }));

test('a body without raw HTML renders with the plain renderer alone; one with some is refused until it is loaded', async () => {
  expect(renderMarkdown('Plain *text* and a [link](https://example.org/).', base).html).toBe(
    '<p>Plain <em>text</em> and a <a href="https://example.org/">link</a>.</p>',
  );
  expect(() => renderMarkdown('Raw <b>bold</b>.', base)).toThrow(/raw HTML before loadRawHtmlSupport/);
  await loadRawHtmlSupport();
  const rendered = renderMarkdown('Raw <b>bold</b> and <script>alert(1)</script>.', base);
  expect(rendered.html).toBe('<p>Raw <b>bold</b> and .</p>');
});

test('rendererFor loads the raw HTML parser for an issue whose body has a `<`, and preparing one renders it', async () => {
  const lead = join(site, 'bulletins', DATE, 'issue.md');
  writeFileSync(lead, `${readFileSync(lead, 'utf8')}\nA line with <kbd>raw HTML</kbd>.\n`);
  const { config } = await loadConfig(site);
  const loaded = await loadIssue(site, DATE, config!);
  await rendererFor(loaded.issue!);
  const html = renderIssueContent(loaded.issue!, config!).lead.html;
  expect(html).toContain('<kbd>raw HTML</kbd>');
  const prepared = await prepareFresh(site, DATE, config!);
  expect(prepared.problems.filter((problem) => problem.severity === 'error')).toEqual([]);
  expect(prepared.rendered?.lead.webHtml).toContain('<kbd>raw HTML</kbd>');
});
