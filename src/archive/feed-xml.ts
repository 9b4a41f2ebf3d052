import { multiLineText, oneLineText } from '../content/control-characters.js';
import { escapeHtml } from '../support/html.js';
import { element, parent, xmlDocument, type XmlElement } from './xml.js';

/** What RSS and Atom say about the site and each issue: plain strings, escaped only by the writer. */
export interface FeedChannel {
  title: string;
  description?: string;
  home: string;
  language: string;
  updated: Date;
  copyright: string;
  selfUrl: { rss: string; atom: string };
  entries: FeedEntry[];
}

export interface FeedEntry {
  title: string;
  url: string;
  date: Date;
  summary: string;
  /** Sanitized HTML. */
  html: string;
  author?: string;
}

const NS = {
  dc: 'http://purl.org/dc/elements/1.1/',
  content: 'http://purl.org/rss/1.0/modules/content/',
  atom: 'http://www.w3.org/2005/Atom',
};

/**
 * RSS 2.0. Titles are plain text (what readers do with them); description and content:encoded
 * are HTML, so the summary is escaped as HTML first. The author goes in <dc:creator>: RSS's own
 * <author> must be an email address.
 */
export function rss2(channel: FeedChannel): string {
  const items = channel.entries.map((entry) =>
    parent('item', [
      element('title', line(entry.title)),
      element('link', entry.url),
      element('guid', entry.url, { isPermaLink: 'false' }),
      element('pubDate', entry.date.toUTCString()),
      element('description', escapeHtml(line(entry.summary))),
      element('content:encoded', multiLineText(entry.html)),
      ...(entry.author ? [element('dc:creator', line(entry.author))] : []),
    ]),
  );
  const head: XmlElement[] = [
    element('title', line(channel.title)),
    element('link', channel.home),
    element('description', line(channel.description ?? '')),
    element('lastBuildDate', channel.updated.toUTCString()),
    element('docs', 'https://validator.w3.org/feed/docs/rss2.html'),
    element('generator', 'Bulletin'),
    element('language', channel.language),
    element('copyright', line(channel.copyright)),
    element('atom:link', undefined, { href: channel.selfUrl.rss, rel: 'self', type: 'application/rss+xml' }),
  ];
  const namespaces = { 'xmlns:dc': NS.dc, 'xmlns:content': NS.content, 'xmlns:atom': NS.atom };
  return xmlDocument(
    parent('rss', [parent('channel', [...head, ...items])], { version: '2.0', ...namespaces }),
  );
}

/** Atom 1.0. Title and summary are `type="text"`: what the reader shows is exactly what was written. */
export function atom1(channel: FeedChannel): string {
  const entries = channel.entries.map((entry) =>
    parent('entry', [
      element('title', line(entry.title), { type: 'text' }),
      element('id', entry.url),
      element('link', undefined, { href: entry.url }),
      element('updated', entry.date.toISOString()),
      element('summary', line(entry.summary), { type: 'text' }),
      element('content', multiLineText(entry.html), { type: 'html' }),
      ...(entry.author ? [parent('author', [element('name', line(entry.author))])] : []),
      element('published', entry.date.toISOString()),
    ]),
  );
  const head: XmlElement[] = [
    element('id', channel.home),
    element('title', line(channel.title)),
    element('updated', channel.updated.toISOString()),
    element('generator', 'Bulletin'),
    // Atom requires an author on the feed when an entry has none.
    parent('author', [element('name', line(channel.title)), element('uri', channel.home)]),
    element('link', undefined, { rel: 'alternate', href: channel.home }),
    element('link', undefined, { rel: 'self', href: channel.selfUrl.atom }),
    ...(channel.description ? [element('subtitle', line(channel.description))] : []),
    element('rights', line(channel.copyright)),
  ];
  return xmlDocument(parent('feed', [...head, ...entries], { xmlns: NS.atom }));
}

/**
 * Titles on one line: checks refuse line breaks and control characters; this keeps the XML sound regardless.
 */
const line = oneLineText;
