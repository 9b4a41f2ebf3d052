import { calendarFiles } from './calendar.js';
import { feedFiles } from './feeds.js';
import { imageFiles } from './images.js';
import { logoFiles } from './logo.js';
import type { Archive, SiteFiles } from './model.js';
import { issuePages, listingPages } from './pages.js';
import { openSearchFeed, type SearchFeed } from './search.js';
import { loadSiteTemplates, type SiteTemplates } from './site-templates.js';
import { sitemapFile } from './sitemap.js';
import { tagFiles } from './tags.js';
import { writeSite } from './write-site.js';

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
  for (const [path, html] of issuePages(archive, templates, scope?.dates)) {
    files.set(path, html);
    await search?.add(path, html);
  }
  for (const [path, content] of [
    ...listingPages(archive, templates, scope?.dates),
    ...tagFiles(archive, templates, scope?.tags),
    ...feedFiles(archive),
    ...calendarFiles(archive, scope?.dates),
    ...(await imageFiles(archive, scope?.dates)),
  ])
    files.set(path, content);
  if (!scope) for (const asset of templates.assets) files.set(`assets/${asset.name}`, asset.content);
  if (!scope) for (const [path, content] of await logoFiles(archive.config)) files.set(path, content);
  return files;
}

/**
 * The static archive: issue pages (search indexing starts) -> the other files -> sitemap -> write, add the
 * index -> swap the folder in whole.
 */
export async function buildSite(
  archive: Archive,
  templatesDir: string,
  siteDir: string,
): Promise<{ report: SiteReport; files: SiteFiles }> {
  const templates = await loadSiteTemplates(templatesDir);
  const search = openSearchFeed(archive.config, siteDir);
  let files: SiteFiles;
  let searchPages = 0;
  try {
    files = await generateSite(archive, templates, undefined, search);
    const indexing = search.finish();
    files.set('sitemap.xml', sitemapFile(archive.config, files));
    await writeSite(siteDir, files, async (staging) => {
      searchPages = (await indexing.writeTo(staging)).pages;
    });
  } catch (error) {
    // pagefind runs as a child process: a failed build must not leave it running.
    await search.abandon();
    throw error;
  }
  const pages = [...files.keys()].filter((p) => p.endsWith('.html')).length;
  return { report: { dir: siteDir, files: files.size, pages, searchPages }, files };
}
