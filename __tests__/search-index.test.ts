import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSearchIndex } from '../src/archive/search.js';
import { loadConfig } from '../src/content/config.js';
import type { Config } from '../src/content/model.js';
import { repoRoot } from './helpers/cli.js';

/**
 * `taken()` settles once pagefind holds every page (a build then makes the rest of the site while
 * pagefind writes its index: src/archive/build-site.ts), and the index written after it has them all.
 */
let config: Config;
let work: string;

beforeAll(async () => {
  config = (await loadConfig(repoRoot)).config!;
});
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'bulletin-search-index-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const page = (title: string) =>
  `<html lang="en"><body><main data-pagefind-body><h1>${title}</h1><p>About ${title}.</p></main></body></html>`;
const pages = new Map(
  ['Winter pressures', 'Stroke programme', 'Carers week'].map((title, index) => [
    `issues/2025-01-${10 + index}/index.html`,
    page(title),
  ]),
);

test('taken() settles, and the index written after it holds every page', async () => {
  const indexing = await startSearchIndex(config, pages);
  await indexing.taken();
  const site = join(work, 'site');
  expect(await indexing.writeTo(site)).toEqual({ pages: 3 });
  const entry = JSON.parse(readFileSync(join(site, 'pagefind', 'pagefind-entry.json'), 'utf8')) as {
    languages: Record<string, { page_count: number }>;
  };
  expect(Object.values(entry.languages).map((language) => language.page_count)).toEqual([3]);
});

test('an unchanged index is reused: taken() settles at once, and writeTo copies it', async () => {
  const first = join(work, 'first');
  await (await startSearchIndex(config, pages)).writeTo(first);
  const indexing = await startSearchIndex(config, pages, first);
  await indexing.taken();
  const second = join(work, 'second');
  expect(await indexing.writeTo(second)).toEqual({ pages: 3 });
  expect(readFileSync(join(second, 'pagefind', 'pagefind-entry.json'), 'utf8')).toBe(
    readFileSync(join(first, 'pagefind', 'pagefind-entry.json'), 'utf8'),
  );
  expect(existsSync(join(second, 'pagefind', 'bulletin-fingerprint.txt'))).toBe(true);
});
