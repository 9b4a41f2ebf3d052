import type { Config } from '../content/model.js';
import { siteUrl } from '../render/urls.js';
import type { SiteFiles } from './model.js';

/**
 * The full-text index, made at build time so search works on any static host: pagefind indexes
 * the issue pages (the only ones marked `data-pagefind-body`) from memory and writes its bundle,
 * including the search UI, into `pagefind/` of the folder being built.
 */
export async function writeSearchIndex(config: Config, files: SiteFiles, siteDir: string): Promise<{ pages: number }> {
  const pagefind = await import('pagefind');
  const { index, errors } = await pagefind.createIndex({ forceLanguage: config.site.locale.split('-')[0] });
  if (!index) throw new Error(`pagefind could not start: ${errors.join('; ')}`);
  try {
    const base = new URL(siteUrl(config)).pathname;
    const pages = [...files].filter(([path, content]) => path.startsWith('issues/') && path.endsWith('.html') && typeof content === 'string');
    // All at once: pagefind is a separate process, and one request at a time leaves it idle between them.
    const added = await Promise.all(pages.map(([path, content]) => index.addHTMLFile({ url: `${base}${path.replace(/index\.html$/, '')}`, content: content as string })));
    const failed = added.flatMap((a, i) => (a.errors.length ? [`${pages[i]![0]}: ${a.errors.join('; ')}`] : []));
    if (failed.length) throw new Error(`pagefind could not index ${failed.join(', ')}`);
    const written = await index.writeFiles({ outputPath: `${siteDir}/pagefind` });
    if (written.errors.length) throw new Error(`pagefind could not write its index: ${written.errors.join('; ')}`);
    return { pages: pages.length };
  } finally {
    await pagefind.close();
  }
}
