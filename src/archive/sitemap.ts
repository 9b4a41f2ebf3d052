import type { Config } from '../content/model.js';
import { siteUrl } from '../render/urls.js';
import { hrefOf } from './paths.js';
import { xmlText } from './xml.js';

/** sitemap.xml of every HTML page but the 404, with the issue date as lastmod for issue pages. */
export function sitemapFile(config: Config, paths: Iterable<string>): string {
  const urls = [...paths]
    .filter((path) => path.endsWith('.html') && path !== '404.html')
    .sort()
    .map((path) => {
      const date = /^issues\/(\d{4}-\d{2}-\d{2})\//.exec(path)?.[1];
      return `  <url><loc>${xmlText(siteUrl(config, hrefOf(path)))}</loc>${date ? `<lastmod>${date}</lastmod>` : ''}</url>`;
    });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.join('\n')}\n</urlset>\n`;
}
