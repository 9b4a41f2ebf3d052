import { Feed, type Item } from 'feed';
import type { Config } from '../content/model.js';
import { dayOf } from '../render/dates.js';
import { siteUrl } from '../render/urls.js';
import type { Archive, ArchiveIssue, SiteFiles } from './model.js';

/** Paths of the feeds under `dist/site/`. */
export const FEED_PATHS = { rss: 'feed.xml', atom: 'atom.xml', json: 'feed.json' } as const;

type Format = keyof typeof FEED_PATHS;

export interface FeedLink {
  type: string;
  href: string;
  title: string;
}

/** For `<link rel="alternate" type=... href=... title=...>` in every page head. */
export function feedLinks(config: Config): FeedLink[] {
  const name = config.site.name;
  return [
    { type: 'application/rss+xml', href: siteUrl(config, FEED_PATHS.rss), title: `${name} (RSS)` },
    { type: 'application/atom+xml', href: siteUrl(config, FEED_PATHS.atom), title: `${name} (Atom)` },
    { type: 'application/feed+json', href: siteUrl(config, FEED_PATHS.json), title: `${name} (JSON Feed)` },
  ];
}

/** `feed.xml` (RSS 2.0), `atom.xml` (Atom 1.0) and `feed.json` (JSON Feed 1), newest issue first. */
/** How many of the newest issues the feeds carry; the archive pages have the rest. */
export const FEED_LIMIT = 50;

export function feedFiles(archive: Archive): SiteFiles {
  const files: SiteFiles = new Map();
  files.set(FEED_PATHS.rss, build(archive, 'rss').rss2());
  files.set(FEED_PATHS.atom, build(archive, 'atom').atom1());
  files.set(FEED_PATHS.json, build(archive, 'json').json1() + '\n');
  return files;
}

/** Issue dates are calendar days: midnight UTC, as everywhere else in the project (see render/dates.ts). */
export function issueInstant(date: string): Date {
  return dayOf(date);
}

/**
 * One Feed per format, because the formats disagree on what a field holds: Atom's title and
 * RSS's description are HTML (so plain text must be escaped there), and RSS's <author> must be an
 * email address, so the author goes in <dc:creator> instead.
 */
function build(archive: Archive, format: Format): Feed {
  const { config } = archive;
  // The newest issues only: feed readers poll the whole file, and ten years of full text is tens of MB.
  const issues = [...archive.issues].sort((a, b) => b.date.localeCompare(a.date)).slice(0, FEED_LIMIT);
  const home = siteUrl(config);
  const feed = new Feed({
    title: config.site.name,
    description: config.site.tagline,
    id: home,
    link: home,
    language: config.site.locale,
    // The feed package falls back to `new Date()`; with no issues, the epoch keeps builds repeatable.
    updated: issues[0] ? issueInstant(issues[0].date) : new Date(0),
    generator: 'Bulletin',
    copyright: `© ${config.site.name}`,
    // Atom requires an author on the feed when an entry has none.
    author: { name: config.site.name, link: home },
    feedLinks: {
      rss: siteUrl(config, FEED_PATHS.rss),
      atom: siteUrl(config, FEED_PATHS.atom),
      json: siteUrl(config, FEED_PATHS.json),
    },
  });
  for (const issue of issues) feed.addItem(item(issue, format));
  return feed;
}

function item(issue: ArchiveIssue, format: Format): Item {
  const date = issueInstant(issue.date);
  const item: Item = {
    title: format === 'atom' ? escapeHtml(issue.title) : issue.title,
    id: issue.url,
    link: issue.url,
    date,
    published: date,
    description: format === 'json' ? issue.summary : escapeHtml(issue.summary),
    content: format === 'json' ? issue.html : safeForCdata(issue.html),
  };
  if (issue.author) {
    // The feed package declares the dc namespace only when an item has content.
    if (format !== 'rss') item.author = [{ name: issue.author.name }];
    else if (item.content) item.extensions = [{ name: 'dc:creator', objects: { _text: issue.author.name } }];
  }
  return item;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * xml-js splits only the first "]]>" of a CDATA section; any later one would end it early. In HTML
 * "&gt;" reads the same as ">", in text and attributes alike.
 */
function safeForCdata(html: string): string {
  return html.replace(/]]>/g, ']]&gt;');
}
