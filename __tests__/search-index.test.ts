import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type OpenedIndex, PagefindFeeder, startSearchIndex } from '../src/archive/search.js';
import { loadConfig } from '../src/content/config.js';
import type { Config } from '../src/content/model.js';
import { repoRoot } from './helpers/cli.js';

/**
 * The index holds every page it was sent, however pagefind answers them; `taken()` (which `writeTo`
 * waits for before it asks pagefind to write) settles once pagefind holds every page.
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

test('the index written holds every page', async () => {
  const indexing = await startSearchIndex(config, pages);
  const site = join(work, 'site');
  expect(await indexing.writeTo(site)).toEqual({ pages: 3 });
  const entry = JSON.parse(readFileSync(join(site, 'pagefind', 'pagefind-entry.json'), 'utf8')) as {
    languages: Record<string, { page_count: number }>;
  };
  expect(Object.values(entry.languages).map((language) => language.page_count)).toEqual([3]);
});

test('an unchanged index is reused: writeTo copies it', async () => {
  const first = join(work, 'first');
  await (await startSearchIndex(config, pages)).writeTo(first);
  const indexing = await startSearchIndex(config, pages, first);
  const second = join(work, 'second');
  expect(await indexing.writeTo(second)).toEqual({ pages: 3 });
  expect(readFileSync(join(second, 'pagefind', 'pagefind-entry.json'), 'utf8')).toBe(
    readFileSync(join(first, 'pagefind', 'pagefind-entry.json'), 'utf8'),
  );
  expect(existsSync(join(second, 'pagefind', 'bulletin-fingerprint.txt'))).toBe(true);
});

/** An index whose every page waits until the test answers it; writing it records that it was asked. */
function controlledIndex() {
  const answers: (() => void)[] = [];
  let written = false;
  const opened: OpenedIndex = {
    close: async () => undefined,
    index: {
      addHTMLFile: () =>
        new Promise((resolve) => answers.push(() => resolve({ errors: [], file: {} } as never))),
      writeFiles: async () => {
        written = true;
        return { errors: [], outputPath: '' } as never;
      },
    },
  };
  return { opened, answers, written: () => written };
}

const turns = async (count = 5) => {
  for (let turn = 0; turn < count; turn++) await new Promise((resolve) => setImmediate(resolve));
};

test('taken() waits for every page of many more than are in flight, answered out of order', async () => {
  const { opened, answers } = controlledIndex();
  const feeder = new PagefindFeeder(config, async () => opened);
  for (let page = 0; page < 70; page++) feeder.add(`issues/${page}/index.html`, page_(page));
  let taken = false;
  void feeder.taken().then(() => (taken = true));
  let answered = 0;
  while (answered < 70) {
    await turns();
    expect(taken).toBe(false);
    // One page at a time, the newest in flight first: answers that overtake older pages.
    answers.pop()!();
    answered++;
  }
  await turns();
  expect([answered, taken]).toEqual([70, true]);
});

test('the index is written only once every page is in', async () => {
  const { opened, answers, written } = controlledIndex();
  const feeder = new PagefindFeeder(config, async () => opened);
  for (let page = 0; page < 40; page++) feeder.add(`issues/${page}/index.html`, page_(page));
  const writing = feeder.writeTo(join(work, 'site'));
  await turns();
  for (const answer of answers.splice(0)) answer();
  await turns();
  expect(written()).toBe(false);
  for (const answer of answers.splice(0)) answer();
  await writing.catch(() => undefined);
  expect(written()).toBe(true);
});

const page_ = (n: number) => page(`Issue ${n}`);
