import { createHash, randomBytes } from 'node:crypto';

export interface BurstRule {
  /** How close together the clicks of a burst are. */
  windowMs: number;
  /** The fewest distinct links of an issue that make a burst, whatever its size. */
  minimumLinks: number;
  /** Clients remembered at most (the oldest are forgotten first): a flood cannot fill memory. */
  maxClients: number;
}

/**
 * A burst: one client (the same address and user agent) following more than half of an issue's
 * links, and at least three, within ten seconds. People read one or two; mail scanners that
 * pre-fetch a message's links follow them all within a second or two.
 */
export const BURST_RULE: BurstRule = { windowMs: 10_000, minimumLinks: 3, maxClients: 10_000 };

export interface BurstVerdict {
  scanner: boolean;
  /** The same client followed this link within the window already (a double tap, a reload): count it once. */
  repeat: boolean;
  /** Clicks already counted as a reader's that this one shows were the scanner's: relabel them. */
  relabel: number[];
  /** Tells the detector the row this click was counted as, so a burst found later can relabel it. */
  counted(rowId: number): void;
}

interface Seen {
  issue: string;
  link: string;
  at: number;
  rowId?: number;
}

interface Client {
  seen: Seen[];
  /** Until then, every click of this client is a scanner's. */
  scannerUntil: number;
}

/**
 * Finds bursts in memory only. A client is known by a hash of its address and user agent, salted
 * with a key made at start and never stored, and forgotten once its clicks are older than the
 * window: nothing here outlives the process or could be matched against a log.
 */
export class BurstDetector {
  private readonly salt = randomBytes(32);
  private readonly clients = new Map<string, Client>();

  constructor(private readonly rule: BurstRule = BURST_RULE) {}

  see(
    address: string,
    userAgent: string,
    click: { issue: string; link: string; linksInIssue: number; at: number },
  ) {
    this.forgetBefore(click.at - this.rule.windowMs);
    const key = createHash('sha256').update(this.salt).update(`${address}\n${userAgent}`).digest('base64url');
    const client = this.clients.get(key) ?? { seen: [], scannerUntil: 0 };
    client.seen = client.seen.filter((s) => s.at >= click.at - this.rule.windowMs);
    // Re-inserted: the map's order is the order clients were last seen, oldest first.
    this.clients.delete(key);
    this.clients.set(key, client);
    if (this.clients.size > this.rule.maxClients) this.clients.delete(this.clients.keys().next().value!);
    const repeat = client.seen.some((s) => s.issue === click.issue && s.link === click.link);
    const seen: Seen = { issue: click.issue, link: click.link, at: click.at };
    client.seen.push(seen);
    const links = new Set(client.seen.filter((s) => s.issue === click.issue).map((s) => s.link));
    const most = Math.max(this.rule.minimumLinks, Math.floor(click.linksInIssue / 2) + 1);
    const relabel: number[] = [];
    if (links.size >= most) {
      for (const earlier of client.seen) {
        if (earlier.rowId === undefined || earlier.issue !== click.issue) continue;
        relabel.push(earlier.rowId);
        earlier.rowId = undefined;
      }
    }
    const scanner = links.size >= most || click.at < client.scannerUntil;
    if (scanner) client.scannerUntil = click.at + this.rule.windowMs;
    const verdict: BurstVerdict = {
      scanner,
      repeat,
      relabel,
      counted(rowId) {
        // A scanner's own clicks are already labelled; only a reader's may need relabelling later.
        if (!scanner) seen.rowId = rowId;
      },
    };
    return verdict;
  }

  /** The map is in the order clients were last seen: only its oldest end can have ended. */
  private forgetBefore(cutoff: number): void {
    for (const [key, client] of this.clients) {
      const last = client.seen.at(-1)?.at ?? 0;
      if (last >= cutoff || client.scannerUntil >= cutoff) break;
      this.clients.delete(key);
    }
  }
}
