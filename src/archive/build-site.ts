import { calendarFiles } from './calendar.js';
import { feedFiles } from './feeds.js';
import { imageFiles } from './images.js';
import { logoFiles } from './logo.js';
import type { Archive, SiteFiles } from './model.js';
import { pageFiles } from './pages.js';
import { startSearchIndex, type SearchIndexing } from './search.js';
import { loadSiteTemplates, type SiteTemplates } from './site-templates.js';
import { sitemapFile } from './sitemap.js';
import { tagFiles } from './tags.js';
import { writeSite } from './write-site.js';
import { awaitedLater } from '../support/errors.js';

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
 * Every file of the site (or, with a scope, the files a change touches), in memory. `pagesReady`
 * sees the issue pages first, so the search index can be under way while the rest is made.
 */
export async function generateSite(
  archive: Archive,
  templates: SiteTemplates,
  scope?: Scope,
  pagesReady?: (pages: SiteFiles) => void,
): Promise<SiteFiles> {
  const pages = pageFiles(archive, templates, scope?.dates);
  pagesReady?.(pages);
  const files: SiteFiles = new Map([
    ...pages,
    ...tagFiles(archive, templates, scope?.tags),
    ...feedFiles(archive),
    ...calendarFiles(archive, scope?.dates),
    ...(await imageFiles(archive, scope?.dates)),
  ]);
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
  let search: Promise<SearchIndexing> | undefined;
  const files = await generateSite(archive, templates, undefined, (pages) => {
    search = startSearchIndex(archive.config, pages, siteDir);
    awaitedLater(search); // reported below
  });
  files.set('sitemap.xml', sitemapFile(archive.config, files));
  let searchPages = 0;
  await writeSite(siteDir, files, async (staging) => {
    searchPages = (await (await search!).writeTo(staging)).pages;
  });
  const pages = [...files.keys()].filter((p) => p.endsWith('.html')).length;
  return { report: { dir: siteDir, files: files.size, pages, searchPages }, files };
}
