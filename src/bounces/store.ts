import type { BounceEvent } from './report.js';

/** The soft-bounce rule of `dispatch.bounces`. */
export interface SoftBouncePolicy {
  softLimit: number;
  softDays: number;
}

/**
 * - `duplicate`: this (source, sourceId, address, verdict) was recorded before: nothing done.
 * - `suppressed`: the address is now suppressed (`bounced` or `complained`), on every list.
 * - `counted`: a soft bounce, below the limit.
 * - `reset`: a delivery cleared the soft-bounce count.
 * - `unknown-address`: nobody by that address: recorded, nothing else.
 */
export type BounceAction = 'duplicate' | 'suppressed' | 'counted' | 'reset' | 'unknown-address';

export interface BounceCounts {
  list: string;
  /** Ledger rows `sent` for the issue and list. */
  sent: number;
  /** Sent, and no bounce (hard or soft) heard of since. */
  delivered: number;
  hard: number;
  soft: number;
  complaints: number;
}

/**
 * What the bounce handling needs of the database (owned here; the engines are in src/store/). Every
 * `record` is one transaction: the event, and the suppression or unsubscription it leads to with its
 * evidence (status, diagnostic, source and source id) in the consent log, together or not at all.
 */
export interface BounceStore {
  record(event: BounceEvent, policy: SoftBouncePolicy): Promise<BounceAction>;
  /** Per list, for one issue (`bulletin status`, the preview). */
  counts(issue: string): Promise<BounceCounts[]>;
}
