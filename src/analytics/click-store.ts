/** One link of an issue's email, as its /r/ address finds it. */
export interface ClickLink {
  /** `linkIdFor(target)`: the `<link>` of `/r/<issue>/<link>`. */
  id: string;
  /** Where a reader is sent: the address as the email had it. */
  target: string;
  /** The source file of the item the link is in (e.g. `05-stroke-programme.md`); null for the email's own links. */
  item: string | null;
}

export interface FoundLink extends ClickLink {
  linksInIssue: number;
}

export type ClickKind = 'reader' | 'scanner';

/**
 * One followed link. Nothing about who followed it: no address, no subscriber, no user agent; the
 * time only to the hour.
 */
export interface Click {
  issue: string;
  link: string;
  /** The start of the hour it happened in, ISO 8601 (`2026-03-02T10:00:00.000Z`). */
  hour: string;
  kind: ClickKind;
}

export interface LinkClicks extends ClickLink {
  readers: number;
  scanners: number;
}

/**
 * What click counting needs of the database (owned here; the engines are in src/store/). Counting
 * is an append; the one change ever made to a row is a reader's click found to be part of a
 * scanner's burst, relabelled `scanner`.
 */
export interface ClickStore {
  /** The issue's link table, written before the first message goes out. A link already there is kept. */
  saveLinks(issue: string, links: readonly ClickLink[]): Promise<void>;
  /** The link, and how many links its issue has (what a burst is measured against). */
  link(issue: string, id: string): Promise<FoundLink | undefined>;
  /** Appends one click; its row id, for `relabelScanner`. */
  record(click: Click): Promise<number>;
  relabelScanner(ids: readonly number[]): Promise<void>;
  /** Every link of the issue, clicked or not, with its counts, in link-table order. */
  counts(issue: string): Promise<LinkClicks[]>;
}

/** The start of the hour of `at`: the only time a click is kept with. */
export function hourOf(at: number): string {
  return new Date(Math.floor(at / 3_600_000) * 3_600_000).toISOString();
}
