import { calendarFiles } from './calendar.js';
import { feedFiles } from './feeds.js';
import { imageFiles } from './images.js';
import { logoFiles } from './logo.js';
import type { Config } from '../content/model.js';
import type { Archive, ArchiveIssue, SiteFiles } from './model.js';
import { issuePage, issuePages, listingPages } from './pages.js';
import { issuePath } from './paths.js';
import { openSearchFeed, type SearchFeed } from './search.js';
import { loadSiteTemplates, type SiteTemplates } from './site-templates.js';
import { sitemapFile } from './sitemap.js';
import { tagFiles } from './tags.js';
import type { FileStamp } from '../support/file-stamp.js';
import { SiteWriter } from './write-site.js';

export interface SiteReport {
  dir: string;
  files: number;
  pages: number;
  searchPages: number;
}

/**
 * What a change touches, for an incremental rebuild: the issues whose pages, calendars and images
 * are remade, and the tag pages (`programmes/stroke`) to remake. Index, feeds and sitemap always are.
 */
export interface Scope {
  dates: ReadonlySet<string>;
  tags: ReadonlySet<string>;
}

/** Where the files of a site go as they are made. */
type SiteOut = (path: string, content: string | Uint8Array) => Promise<void> | void;

/**
 * Every file of the site (or, with a scope, the files a change touches), in memory. `search` is handed
 * each issue page as soon as it is made, so indexing is under way while the rest is made.
 */
export async function generateSite(
  archive: Archive,
  templates: SiteTemplates,
  scope?: Scope,
  search?: SearchFeed,
): Promise<SiteFiles> {
  const files: SiteFiles = new Map();
  await emitSite(archive, templates, (path, content) => void files.set(path, content), scope, search);
  return files;
}

/** `generateSite`, each file handed to `out` as soon as it is made. */
async function emitSite(
  archive: Archive,
  templates: SiteTemplates,
  out: SiteOut,
  scope?: Scope,
  search?: SearchFeed,
): Promise<void> {
  await emitIssuePages(archive, templates, out, scope, search);
  await emitOtherFiles(archive, templates, out, scope);
}

/** The issue pages, each handed to `search` too: the only pages it indexes. */
async function emitIssuePages(
  archive: Archive,
  templates: SiteTemplates,
  out: SiteOut,
  scope?: Scope,
  search?: SearchFeed,
): Promise<void> {
  for (const [path, html] of issuePages(archive, templates, scope?.dates)) {
    await out(path, html);
    await search?.add(path, html);
  }
}

/** Every file but the issue pages (and the sitemap, which lists them all). */
async function emitOtherFiles(
  archive: Archive,
  templates: SiteTemplates,
  out: SiteOut,
  scope?: Scope,
): Promise<void> {
  for (const [path, content] of [
    ...listingPages(archive, templates, scope?.dates),
    ...tagFiles(archive, templates, scope?.tags),
    ...feedFiles(archive),
    ...calendarFiles(archive, scope?.dates),
    ...(await imageFiles(archive, scope?.dates)),
  ])
    await out(path, content);
  if (!scope) for (const asset of templates.assets) await out(`assets/${asset.name}`, asset.content);
  if (!scope) for (const [path, content] of await logoFiles(archive.config)) await out(path, content);
}

/** What a site's commit did: its report, its files (with `keepFiles`) and each file's stamp on disk. */
export interface CommittedSite {
  report: SiteReport;
  files: SiteFiles;
  /** Every file of the site, by its path in it (write-site.ts). */
  stamps: Map<string, FileStamp>;
}

/** A site made and staged on disk, its search index under way: `commit` swaps it in, `abandon` drops it. */
export interface StagedSite {
  commit(): Promise<CommittedSite>;
  abandon(): Promise<void>;
}

/**
 * The static archive: issue pages (search indexing starts; once they are all in, its index is
 * written) -> the other files -> sitemap -> swap the folder in whole, index and all. Each file is
 * staged on disk as it is made; `keepFiles` also keeps them all in memory, for a session that
 * rewrites the site incrementally (`files` is empty without it).
 */
export async function buildSite(
  archive: Archive,
  templatesDir: string,
  siteDir: string,
  options: { keepFiles?: boolean } = {},
): Promise<CommittedSite> {
  return (await stageSite(archive, templatesDir, siteDir, options)).commit();
}

/**
 * `buildSite` up to the swap: every file made and staged, the search index fed and being written
 * (pagefind, its own process). A build makes the site this far before its last emails, and commits
 * it only if none of them has errors.
 */
export async function stageSite(
  archive: Archive,
  templatesDir: string,
  siteDir: string,
  options: { keepFiles?: boolean } = {},
): Promise<StagedSite> {
  const staging = await openSiteStaging(archive.config, templatesDir, siteDir, options);
  const { issues } = archive;
  for (const [i, issue] of issues.entries()) await staging.addIssuePage(issue, issues[i + 1], issues[i - 1]);
  return staging.stage(archive);
}

/** A site staged as it is made: its issue pages one at a time, as their issues are ready, then the rest. */
export interface SiteStaging {
  /**
   * The next issue page, newest first (the order pagefind is handed them in, which its index keeps),
   * with the issue before it and the one after it. It is indexed as soon as it is staged.
   */
  addIssuePage(issue: ArchiveIssue, older?: ArchiveIssue, newer?: ArchiveIssue): Promise<void>;
  /** Every issue page is in: the rest of the site, made from the whole archive, and staged. */
  stage(archive: Archive): Promise<StagedSite>;
  /** Stops pagefind and drops what was staged. */
  abandon(): Promise<void>;
  /** True once pagefind's process runs, when it was started with the staging (`SearchFeed.started`). */
  searchStarted: Promise<boolean>;
}

/**
 * A site to stage (see `stageSite`), opened before its issues are all ready: a build stages each
 * issue page as soon as the issue and its neighbours are prepared, so that pagefind indexes them
 * while the rest are prepared, rather than all of them after.
 */
export async function openSiteStaging(
  config: Config,
  templatesDir: string,
  siteDir: string,
  { keepFiles = false } = {},
): Promise<SiteStaging> {
  const templates = await loadSiteTemplates(templatesDir);
  const writer = await SiteWriter.open(siteDir);
  const search = openSearchFeed(config, siteDir);
  const files: SiteFiles = new Map();
  const paths = new Set<string>();
  // pagefind runs as a child process: a failed build must not leave it running.
  const abandon = async () => {
    await search.abandon();
    await writer.abandon();
  };
  const abandonedIfFailing = async <T>(step: () => Promise<T>): Promise<T> => {
    try {
      return await step();
    } catch (error) {
      await abandon();
      throw error;
    }
  };
  const out = async (path: string, content: string | Uint8Array) => {
    paths.add(path);
    if (keepFiles) files.set(path, content);
    await writer.add(path, content);
  };
  let searchPages = 0;
  const commit = () =>
    abandonedIfFailing(async () => {
      const { stamps } = await writer.finish();
      const pages = [...paths].filter((p) => p.endsWith('.html')).length;
      return { report: { dir: siteDir, files: paths.size, pages, searchPages }, files, stamps };
    });
  return {
    addIssuePage: (issue, older, newer) =>
      abandonedIfFailing(async () => {
        const path = issuePath(issue.date);
        const html = issuePage(config, templates, issue, older, newer);
        await out(path, html);
        await search.add(path, html);
      }),
    stage: (archive) =>
      abandonedIfFailing(async () => {
        const indexing = search.finish();
        // The index is written as soon as pagefind has every page, whenever the site is committed.
        writer.startFill(async (folder) => {
          searchPages = (await indexing.writeTo(folder)).pages;
        });
        // The other files, and a build's last emails, are made while pagefind takes the last pages
        // and writes its index. Waiting until it had taken every page left a core idle for ~0.4 s of
        // a cold `build --all` of 520 issues (per-thread CPU from /proc, by 100 ms): 8.09 s against
        // 8.20 s, and `build` 7.15 s against 7.19 s (medians of 6 alternating runs). Its pages are
        // sent as it answers for earlier ones, so whatever runs meanwhile must let its answers in
        // (stages.ts, between emails).
        await emitOtherFiles(archive, templates, out);
        const sitemap = sitemapFile(archive.config, paths);
        paths.add('sitemap.xml');
        if (keepFiles) files.set('sitemap.xml', sitemap);
        await writer.add('sitemap.xml', sitemap);
        return { commit, abandon };
      }),
    abandon,
    searchStarted: search.started,
  };
}
