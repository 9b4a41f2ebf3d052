import type { Config } from '../content/model.js';
import { siteUrl } from '../render/urls.js';
import { feedLinks } from './feeds.js';
import { pageLogo } from './logo.js';
import { rootFrom } from './paths.js';
import type { PageTemplate, SiteTemplates } from './site-templates.js';
import { subscribeFormView } from './subscribe-form.js';

/**
 * Pages that carry no subscribe form in their footer: /subscribe has its own, and the service's pages are
 * about a subscription already under way (a second form there would only confuse).
 */
const NO_FOOTER_FORM: ReadonlySet<PageTemplate> = new Set([
  'subscribe',
  'notice',
  'confirm',
  'unsubscribe',
  'preferences',
]);

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
  template: PageTemplate,
  context: object,
): string {
  const root = meta.absoluteRoot ? new URL(siteUrl(config)).pathname : rootFrom(meta.path);
  const shared = {
    root,
    site: { name: config.site.name, tagline: config.site.tagline, logo: pageLogo(config, root) },
    sender: { name: config.sender.from.name, postalAddress: config.sender.postalAddress },
    labels: config.labels,
    lang: config.site.locale,
    ogLocale: config.site.locale.replace('-', '_'),
    feeds: feedLinks(config),
  };
  const body = templates.render(template, { ...shared, ...context });
  // The form posts to the subscription service (`bulletin serve`), which answers at /subscribe.
  const footerForm = NO_FOOTER_FORM.has(template)
    ? null
    : subscribeFormView(
        config,
        `${root}subscribe`,
        [],
        {},
        {},
        {
          idPrefix: 'footer-subscribe',
          labelledBy: 'footer-subscribe-title',
        },
      );
  return templates.render('layout', {
    ...shared,
    body,
    footerForm,
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
