import type { Config } from '../content/model.js';
import type { ArchivedBody, ArchivedIssue } from '../render/rendered-issue.js';
import { escapeHtml } from '../support/html.js';
import type { Archive, ArchiveIssue } from './model.js';
import { isProse } from '../content/kinds/index.js';

/** How many of the newest issues the feeds carry (feeds.ts); the archive pages have the rest. */
export const FEED_LIMIT = 50;

/** The archive of a site: every rendered issue, newest first. */
export function archiveOf(config: Config, rendered: readonly ArchivedIssue[]): Archive {
  const issues = [...rendered].sort((a, b) => b.issue.date.localeCompare(a.issue.date)).map(archiveIssueOf);
  return { config, issues };
}

/** One issue as the archive shows it. */
export function archiveIssueOf(r: ArchivedIssue): ArchiveIssue {
  let html: string | undefined;
  return {
    date: r.issue.date,
    title: r.issue.title,
    summary: r.issue.summary,
    ...(r.issue.author ? { author: r.issue.author } : {}),
    url: r.url,
    // Only the feeds' newest issues need the whole text: joined on first use, not for all 520.
    get html() {
      html ??= [
        r.lead.html,
        ...r.items
          .filter((i) => isProse(i.item.kind))
          .map((i) => `<h2>${escapeHtml(i.item.title)}</h2>\n${i.body.html}`),
      ].join('\n');
      return html;
    },
    meetings: r.items.flatMap((i) => i.item.meetings),
    rendered: r,
  };
}

/**
 * `issue` as the rest of its archive reads it once its own page is made, where it is not among the
 * newest `FEED_LIMIT` (the feeds carry those whole): its bodies' HTML left out, as empty strings. The
 * listings, tag pages, calendars and images read only titles, excerpts, meetings and image paths;
 * the issue page, the one reader of the rest, is made. A build held every issue's HTML until its
 * archive was made, memory that grows with the archive: at 520 issues, the stages' thread kept 55 MB
 * live after its last full collection against 70 MB (97 MB of heap against 122). The process's own
 * peak, which comes later with the emails and the rest of the site, moved less: medians of 16
 * alternating cold `build --all` runs, 272 against 276 MB.
 */
export function withoutHtml(issue: ArchivedIssue): ArchivedIssue {
  const bare = (body: ArchivedBody): ArchivedBody => ({ ...body, html: '', webHtml: '' });
  return {
    ...issue,
    lead: bare(issue.lead),
    items: issue.items.map(({ item, body }) => ({ item, body: bare(body) })),
  };
}
