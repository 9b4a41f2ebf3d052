import type { LinkClicks } from './click-store.js';

/** One list's send of an issue: the ledger's count and those a bounce was not heard of. */
export interface ListDelivery {
  list: string;
  sent: number;
  delivered: number;
}

/** What `bulletin stats` (and the preview, after the send) reports of one issue. */
export interface IssueStats {
  issue: string;
  /** Per list: messages sent (ledger) and delivered (sent, less those a bounce was heard of). */
  lists: ListDelivery[];
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

/** Sent and delivered per list with the link table's counts, grouped by the item each link leads to. */
export function issueStats(
  issue: string,
  lists: readonly ListDelivery[],
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
