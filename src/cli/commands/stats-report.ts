import { stringify } from 'csv-stringify/sync';
import type { IssueStats } from '../../analytics/issue-stats.js';

export const OWN_LINKS = "(the email's own links)";

/** A table for a person: the lists, then each item with its links under it. */
export function statsTable(stats: IssueStats): string[] {
  const lines = stats.lists.map((l) => `${stats.issue} ${l.list}: ${l.sent} sent, ${l.delivered} delivered`);
  if (stats.lists.length === 0) lines.push(`${stats.issue}: nothing has been sent.`);
  if (stats.items.length === 0) {
    lines.push(
      'No click counts: analytics.clicks was off when this issue was sent, or it has not been sent.',
    );
    return lines;
  }
  lines.push(
    `Clicks: ${stats.readers} by readers, ${stats.scanners} by mail scanners (not counted as readers).`,
    '',
  );
  const rows: [string, string, string][] = [['Item / link', 'Readers', 'Scanners']];
  for (const item of stats.items) {
    rows.push([item.item ?? OWN_LINKS, String(item.readers), String(item.scanners)]);
    for (const link of item.links)
      rows.push([`  ${link.target}`, String(link.readers), String(link.scanners)]);
  }
  const width = Math.max(...rows.map((r) => r[0].length));
  for (const [label, readers, scanners] of rows)
    lines.push(`${label.padEnd(width)}  ${readers.padStart(7)}  ${scanners.padStart(8)}`);
  return lines;
}

/** One row per link, each complete (issue, sent and delivered repeated) so months of them can be joined. */
export function statsCsv(stats: IssueStats): string {
  const header = ['issue', 'sent', 'delivered', 'item', 'link', 'target', 'readers', 'scanners'];
  const rows = stats.items.flatMap((item) =>
    item.links.map((link) => [
      stats.issue,
      stats.sent,
      stats.delivered,
      item.item ?? '',
      link.link,
      link.target,
      link.readers,
      link.scanners,
    ]),
  );
  // A spreadsheet must not run a formula that came in a link's address.
  return stringify([header, ...rows], { escape_formulas: true });
}
