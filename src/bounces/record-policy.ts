import { normalizeAddress } from '../support/email-address.js';
import type { ConsentSource } from '../subscribers/store.js';
import type { BounceEvent } from './report.js';
import type { BounceCounts, SoftBouncePolicy } from './store.js';

const DAY_MS = 86_400_000;

/** An event's time as the stores keep it (ISO 8601 UTC with milliseconds), or a TypeError naming it. */
export function eventTime(event: BounceEvent): string {
  const ms = Date.parse(event.at);
  if (Number.isNaN(ms))
    throw new TypeError(
      `The bounce event ${event.source}:${event.sourceId} has no readable time ("${event.at}").`,
    );
  return new Date(ms).toISOString();
}

/**
 * The event with its address as the subscriber store keeps addresses (address.ts): a provider that
 * writes `Ann@Example.ORG` still means ann@example.org. One that is no address at all stays as given,
 * and is recorded as an unknown address.
 */
export function normalizedEvent(event: BounceEvent): BounceEvent {
  const address = normalizeAddress(event.address);
  return address.ok ? { ...event, address: address.address } : event;
}

/** A soft bounce as the count reads it: when, and of which send (a report and a provider's event of one message are one). */
export interface SoftBounce {
  at: string;
  send: string;
}

/** The span of event times around `at` that can share a window of `softDays` with it: the rows the count needs. */
export function softWindowAround(at: string, policy: SoftBouncePolicy): { after: string; before: string } {
  const ms = Date.parse(at);
  const span = policy.softDays * DAY_MS;
  return { after: new Date(ms - span).toISOString(), before: new Date(ms + span).toISOString() };
}

/**
 * How many sends' soft bounces fall in the fullest window of `softDays` that holds the soft bounce
 * at `at`, counting only those after the last reset heard of, whenever it was (a delivery, or the
 * owner confirming again, which lifts a suppression): a mailbox known to work, or a person who said
 * so, is not suppressed for bounces from before. `softBounces` (this one included) are those within
 * `softWindowAround(at)`.
 *
 * Reports arrive out of order (a mailbox read late, a provider's webhook, two servers at once), so
 * the windows are those ending at this bounce or at a later one: counting only up to this bounce
 * left three soft bounces heard newest first all "counted", the address never suppressed.
 */
export function softBounceCount(
  at: string,
  softBounces: readonly SoftBounce[],
  lastReset: string | null | undefined,
  policy: SoftBouncePolicy,
): number {
  const self = Date.parse(at);
  const span = policy.softDays * DAY_MS;
  const floor = lastReset ? Date.parse(lastReset) : Number.NEGATIVE_INFINITY;
  if (self <= floor) return 0;
  const bounces = softBounces.map((bounce) => ({ at: Date.parse(bounce.at), send: bounce.send }));
  let fullest = 0;
  for (const end of [self, ...bounces.map((bounce) => bounce.at)]) {
    if (end < self || end - span >= self) continue;
    const from = Math.max(end - span, floor);
    const sends = new Set(bounces.filter((b) => b.at > from && b.at <= end).map((b) => b.send));
    fullest = Math.max(fullest, sends.size);
  }
  return fullest;
}

/** The consent-log entry of the action an event leads to: who said it, and on what evidence. */
export function consentOf(
  event: BounceEvent,
  at: string,
): Required<Pick<ConsentSource, 'source' | 'at'>> & {
  evidence: Record<string, string>;
} {
  const evidence: Record<string, string> = {
    verdict: event.verdict,
    source: event.source,
    sourceId: event.sourceId,
  };
  if (event.status) evidence.status = event.status;
  if (event.diagnostic) evidence.diagnostic = event.diagnostic;
  if (event.issue) evidence.issue = event.issue;
  if (event.list) evidence.list = event.list;
  const kind = event.verdict === 'complaint' ? 'complaint' : 'bounce';
  return { source: `${kind}:${event.source}`, at, evidence };
}

/** One list's row of `counts`, from the ledger's sent count and the events' per-address tallies. */
export function countsOf(
  sent: Map<string, number>,
  heard: Map<string, { hard: number; soft: number; complaints: number; bouncedSent: number }>,
): BounceCounts[] {
  const lists = [...new Set([...sent.keys(), ...heard.keys()])].sort();
  return lists.map((list) => {
    const s = sent.get(list) ?? 0;
    const h = heard.get(list) ?? { hard: 0, soft: 0, complaints: 0, bouncedSent: 0 };
    return {
      list,
      sent: s,
      delivered: Math.max(0, s - h.bouncedSent),
      hard: h.hard,
      soft: h.soft,
      complaints: h.complaints,
    };
  });
}
