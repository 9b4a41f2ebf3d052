import type { SiteStaging, StagedSite } from '../src/archive/build-site.js';
import { FEED_LIMIT } from '../src/archive/from-rendered.js';
import type { Archive } from '../src/archive/model.js';
import { IssuePagesAsReady } from '../src/build/issue-pages.js';
import type { Config } from '../src/content/model.js';
import type { ArchivedIssue } from '../src/render/rendered-issue.js';

/**
 * A build stages the archive's issue pages while its issues are still being prepared
 * (src/build/issue-pages.ts): each once it and both neighbours are ready, always newest first, the
 * order pagefind's index keeps. Driven here with a staging that records what it is asked.
 */
const NEWEST_FIRST = ['2026-05-29', '2026-05-22', '2026-05-15', '2026-05-08', '2026-05-01'];

function archived(date: string): ArchivedIssue {
  return {
    issue: { date, title: `Issue of ${date}`, summary: '' },
    url: `https://example.org/issues/${date}/`,
    lead: { html: '', webHtml: '', excerpt: '', images: [] },
    items: [],
  } as unknown as ArchivedIssue;
}

function recordingStaging(failOn?: string) {
  const pages: string[] = [];
  const staged: string[][] = [];
  let abandoned = 0;
  const site: StagedSite = { commit: async () => ({}) as never, abandon: async () => undefined };
  const staging: SiteStaging = {
    async addIssuePage(issue, older, newer) {
      if (issue.date === failOn) throw new Error('no space left on device');
      pages.push(`${issue.date} (older ${older?.date ?? 'none'}, newer ${newer?.date ?? 'none'})`);
    },
    async stage(archive) {
      staged.push(archive.issues.map((issue) => issue.date));
      return site;
    },
    async abandon() {
      abandoned++;
    },
    searchStarted: Promise.resolve(false),
  };
  return { staging, pages, staged, site, abandoned: () => abandoned };
}

const config = {} as Config;

test('pages are staged newest first, each once it and both neighbours are ready, whatever order issues come in', async () => {
  const { staging, pages, staged, site } = recordingStaging();
  const asReady = new IssuePagesAsReady(config, NEWEST_FIRST, Promise.resolve(staging));
  await asReady.add(archived('2026-05-15'));
  await asReady.add(archived('2026-05-01'));
  await asReady.add(archived('2026-05-29'));
  // The newest page links to the one before it, which is not ready yet.
  expect(pages).toEqual([]);
  await asReady.add(archived('2026-05-22'));
  expect(pages).toEqual([
    '2026-05-29 (older 2026-05-22, newer none)',
    '2026-05-22 (older 2026-05-15, newer 2026-05-29)',
  ]);
  await asReady.add(archived('2026-05-08'));
  expect(pages.slice(2)).toEqual([
    '2026-05-15 (older 2026-05-08, newer 2026-05-22)',
    '2026-05-08 (older 2026-05-01, newer 2026-05-15)',
    '2026-05-01 (older none, newer 2026-05-08)',
  ]);
  expect(await asReady.staged()).toBe(site);
  expect(staged).toEqual([NEWEST_FIRST]);
});

test('an issue that never comes (it has errors) stops the pages at it: no archive, and the staging is dropped', async () => {
  const { staging, pages, staged, abandoned } = recordingStaging();
  const asReady = new IssuePagesAsReady(config, NEWEST_FIRST, Promise.resolve(staging));
  for (const date of NEWEST_FIRST.filter((date) => date !== '2026-05-15')) await asReady.add(archived(date));
  expect(pages.map((page) => page.slice(0, 10))).toEqual(['2026-05-29']);
  const outcome = await asReady.staged();
  expect(outcome).toBeInstanceOf(Error);
  expect((outcome as Error).message).toContain('2026-05-22');
  expect(staged).toEqual([]);
  // Dropped by `staged` itself, as the staging of a failed archive always is.
  expect(abandoned()).toBe(1);
});

test('a failure to stage the rest of the site is what staging gives', async () => {
  const { staging, pages } = recordingStaging();
  const failing: SiteStaging = {
    ...staging,
    stage: async () => {
      throw new Error('site template feed.hbs: unknown helper');
    },
  };
  const asReady = new IssuePagesAsReady(config, NEWEST_FIRST, Promise.resolve(failing));
  for (const date of NEWEST_FIRST) await asReady.add(archived(date));
  expect(pages).toHaveLength(5);
  expect(await asReady.staged()).toMatchObject({ message: 'site template feed.hbs: unknown helper' });
});

test('a page that cannot be staged stops the rest, and its error is what staging gives', async () => {
  const { staging, pages, staged } = recordingStaging('2026-05-22');
  const asReady = new IssuePagesAsReady(config, NEWEST_FIRST, Promise.resolve(staging));
  for (const date of NEWEST_FIRST) await asReady.add(archived(date));
  expect(pages.map((page) => page.slice(0, 10))).toEqual(['2026-05-29']);
  // Issues still coming in are taken quietly: the failure is said once, by `staged`.
  await expect(asReady.add(archived('2026-05-29'))).resolves.toBeUndefined();
  expect(await asReady.staged()).toMatchObject({ message: 'no space left on device' });
  expect(staged).toEqual([]);
});

test('a staging that could not be opened (a broken site template) takes issues quietly and is reported once', async () => {
  const opening = Promise.reject(new Error('site template issue.hbs: unclosed {{#each}}'));
  const asReady = new IssuePagesAsReady(config, NEWEST_FIRST, opening);
  for (const date of NEWEST_FIRST) await asReady.add(archived(date));
  expect(await asReady.staged()).toMatchObject({ message: 'site template issue.hbs: unclosed {{#each}}' });
  await expect(asReady.abandon()).resolves.toBeUndefined();
});

test('past the feeds’ newest issues, an issue is kept without its HTML once its page is staged with it', async () => {
  const dates = Array.from(
    { length: FEED_LIMIT + 2 },
    (_, i) =>
      `2026-${String(12 - Math.floor(i / 28)).padStart(2, '0')}-${String(28 - (i % 28)).padStart(2, '0')}`,
  );
  const withHtml = (date: string): ArchivedIssue => {
    const issue = archived(date);
    return {
      ...issue,
      lead: { ...issue.lead, html: `<p>${date}</p>`, webHtml: `<p>${date} on the web</p>` },
    };
  };
  const pageHtml: string[] = [];
  const { staging, staged } = recordingStaging();
  const archives: Archive[] = [];
  const asReady = new IssuePagesAsReady(
    config,
    dates,
    Promise.resolve({
      ...staging,
      async addIssuePage(issue, older, newer) {
        pageHtml.push(issue.rendered.lead.webHtml);
        await staging.addIssuePage(issue, older, newer);
      },
      async stage(archive) {
        archives.push(archive);
        return staging.stage(archive);
      },
    }),
  );
  for (const date of [...dates].reverse()) await asReady.add(withHtml(date));
  await asReady.staged();
  expect(staged).toEqual([dates]);
  // Every page is made from its issue's whole HTML.
  expect(pageHtml).toEqual(dates.map((date) => `<p>${date} on the web</p>`));
  const [archive] = archives;
  expect(archive!.issues.slice(0, FEED_LIMIT).map((issue) => issue.html)).toEqual(
    dates.slice(0, FEED_LIMIT).map((date) => `<p>${date}</p>`),
  );
  for (const issue of archive!.issues.slice(FEED_LIMIT))
    expect([issue.date, issue.html, issue.rendered.lead.webHtml, issue.title]).toEqual([
      issue.date,
      '',
      '',
      `Issue of ${issue.date}`,
    ]);
});
