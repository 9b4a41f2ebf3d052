import type { Config } from '../content/model.js';
import { siteUrl } from '../render/urls.js';
import { feedLinks } from './feeds.js';
import { rootFrom } from './paths.js';
import type { SiteTemplates } from './site-templates.js';

export interface PageMeta {
  path: string;
  title: string;
  description: string;
  ogType?: 'website' | 'article';
  published?: string;
  /** Pagefind indexes only pages marked so: the issues, not the lists that repeat them. */
  indexed?: boolean;
  search?: boolean;
  /** Absolute root for pages served at any depth (the 404 page). */
  absoluteRoot?: boolean;
}

/** Renders a page body into the shared layout with its head: canonical URL, Open Graph, feeds. */
export function renderPage(
  templates: SiteTemplates,
  config: Config,
  meta: PageMeta,
  template: Parameters<SiteTemplates['render']>[0],
  context: object,
): string {
  const root = meta.absoluteRoot ? new URL(siteUrl(config)).pathname : rootFrom(meta.path);
  const shared = {
    root,
    site: { name: config.site.name, tagline: config.site.tagline },
    sender: { name: config.sender.from.name, postalAddress: config.sender.postalAddress },
    labels: config.labels,
    lang: config.site.locale,
    ogLocale: config.site.locale.replace('-', '_'),
    feeds: feedLinks(config),
  };
  const body = templates.render(template, { ...shared, ...context });
  return templates.render('layout', {
    ...shared,
    body,
    page: {
      title: meta.title,
      titleSuffix: meta.title !== config.site.name,
      description: meta.description,
      canonical: siteUrl(config, meta.path.replace(/index\.html$/, '')),
      ogType: meta.ogType ?? 'website',
      published: meta.published,
      indexed: meta.indexed ?? false,
      search: meta.search ?? false,
    },
  });
}
