import type { Config } from '../content/model.js';
import type { ArchivedIssue } from '../render/rendered-issue.js';
import { escapeHtml } from '../support/html.js';
import type { Archive, ArchiveIssue } from './model.js';
import { isProse } from '../content/kinds/index.js';

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
