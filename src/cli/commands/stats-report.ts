import { stringify } from 'csv-stringify/sync';
import type { LinkClicks } from '../../analytics/click-store.js';
import type { BounceCounts } from '../../bounces/store.js';

/** What `bulletin stats` reports of one issue. */
export interface IssueStats {
  issue: string;
  /** Per list: messages sent (ledger) and delivered (sent, less those a bounce was heard of). */
  lists: { list: string; sent: number; delivered: number }[];
  sent: number;
  delivered: number;
  readers: number;
  scanners: number;
  /** In the order the email has them; `item` null: the email's own links (header, archive). */
  items: { item: string | null; readers: number; scanners: number; links: LinkStats[] }[];
}

export interface LinkStats {
  link: string;
  target: string;
  readers: number;
  scanners: number;
}

export const OWN_LINKS = "(the email's own links)";

export function issueStats(
  issue: string,
  lists: readonly BounceCounts[],
  links: readonly LinkClicks[],
): IssueStats {
  const items = new Map<string | null, IssueStats['items'][number]>();
  for (const link of links) {
    let item = items.get(link.item);
    if (!item) {
      item = { item: link.item, readers: 0, scanners: 0, links: [] };
      items.set(link.item, item);
    }
    item.readers += link.readers;
    item.scanners += link.scanners;
    item.links.push({ link: link.id, target: link.target, readers: link.readers, scanners: link.scanners });
  }
  const sum = <T>(rows: readonly T[], of: (row: T) => number) => rows.reduce((n, row) => n + of(row), 0);
  return {
    issue,
    lists: lists.map((l) => ({ list: l.list, sent: l.sent, delivered: l.delivered })),
    sent: sum(lists, (l) => l.sent),
    delivered: sum(lists, (l) => l.delivered),
    readers: sum(links, (l) => l.readers),
    scanners: sum(links, (l) => l.scanners),
    items: [...items.values()],
  };
}

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
