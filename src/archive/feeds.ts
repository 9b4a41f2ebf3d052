import { Feed, type Item } from 'feed';
import type { Config } from '../content/model.js';
import { dayOf } from '../support/dates.js';
import { siteUrl } from '../render/urls.js';
import { atom1, rss2, type FeedChannel, type FeedEntry } from './feed-xml.js';
import type { Archive, ArchiveIssue, SiteFiles } from './model.js';
import { FEED_LIMIT } from './from-rendered.js';

/** Paths of the feeds under `dist/site/`. */
export const FEED_PATHS = { rss: 'feed.xml', atom: 'atom.xml', json: 'feed.json' } as const;

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

/**
 * `feed.xml` (RSS 2.0), `atom.xml` (Atom 1.0) and `feed.json` (JSON Feed 1), newest issue first.
 * The XML is written here (see xml.ts for why); JSON.stringify cannot be broken out of, so the
 * `feed` package writes the JSON Feed.
 */
export function feedFiles(archive: Archive): SiteFiles {
  const files: SiteFiles = new Map();
  const channel = feedChannel(archive);
  files.set(FEED_PATHS.rss, rss2(channel));
  files.set(FEED_PATHS.atom, atom1(channel));
  files.set(FEED_PATHS.json, `${jsonFeed(archive.config, channel)}\n`);
  return files;
}

/** Issue dates are calendar days: midnight UTC, as everywhere else in the project (see support/dates.ts). */
export function issueInstant(date: string): Date {
  return dayOf(date);
}

function feedChannel(archive: Archive): FeedChannel {
  const { config } = archive;
  // The newest issues only: feed readers poll the whole file, and ten years of full text is tens of MB.
  const issues = [...archive.issues].sort((a, b) => b.date.localeCompare(a.date)).slice(0, FEED_LIMIT);
  return {
    title: config.site.name,
    ...(config.site.tagline ? { description: config.site.tagline } : {}),
    home: siteUrl(config),
    language: config.site.locale,
    // With no issues, the epoch keeps builds repeatable.
    updated: issues[0] ? issueInstant(issues[0].date) : new Date(0),
    copyright: `© ${config.site.name}`,
    selfUrl: { rss: siteUrl(config, FEED_PATHS.rss), atom: siteUrl(config, FEED_PATHS.atom) },
    entries: issues.map(entry),
  };
}

function entry(issue: ArchiveIssue): FeedEntry {
  const date = issueInstant(issue.date);
  const author = issue.author ? { author: issue.author.name } : {};
  return { title: issue.title, url: issue.url, date, summary: issue.summary, html: issue.html, ...author };
}

function jsonFeed(config: Config, channel: FeedChannel): string {
  const feed = new Feed({
    title: channel.title,
    description: channel.description,
    id: channel.home,
    link: channel.home,
    language: channel.language,
    updated: channel.updated,
    generator: 'Bulletin',
    copyright: channel.copyright,
    author: { name: channel.title, link: channel.home },
    feedLinks: { json: siteUrl(config, FEED_PATHS.json) },
  });
  for (const e of channel.entries) {
    const item: Item = {
      title: e.title,
      id: e.url,
      link: e.url,
      date: e.date,
      published: e.date,
      description: e.summary,
      content: e.html,
    };
    if (e.author) item.author = [{ name: e.author }];
    feed.addItem(item);
  }
  return feed.json1();
}
