import { calendarFiles } from './calendar.js';
import { feedFiles } from './feeds.js';
import { imageFiles } from './images.js';
import type { Archive, SiteFiles } from './model.js';
import { pageFiles } from './pages.js';
import { writeSearchIndex } from './search.js';
import { loadSiteTemplates } from './site-templates.js';
import { sitemapFile } from './sitemap.js';
import { tagFiles } from './tags.js';
import { writeSite } from './write-site.js';

export interface SiteReport {
  dir: string;
  files: number;
  pages: number;
  searchPages: number;
}

/** The static archive: pages -> tag pages -> feeds -> calendars -> images -> sitemap -> search index -> swap in. */
export async function buildSite(archive: Archive, templatesDir: string, siteDir: string): Promise<SiteReport> {
  const templates = await loadSiteTemplates(templatesDir);
  const files: SiteFiles = new Map([
    ...pageFiles(archive, templates),
    ...tagFiles(archive, templates),
    ...feedFiles(archive),
    ...calendarFiles(archive),
    ...(await imageFiles(archive)),
  ]);
  for (const asset of templates.assets) files.set(`assets/${asset.name}`, asset.content);
  files.set('sitemap.xml', sitemapFile(archive.config, files));
  let searchPages = 0;
  await writeSite(siteDir, files, async (staging) => {
    searchPages = (await writeSearchIndex(archive.config, files, staging)).pages;
  });
  const pages = [...files.keys()].filter((p) => p.endsWith('.html')).length;
  return { dir: siteDir, files: files.size, pages, searchPages };
}
