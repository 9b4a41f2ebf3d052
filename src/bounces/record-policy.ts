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

/**
 * Where the soft bounces that count for an event start: after the last reset (a delivery heard of,
 * or the owner confirming again, which lifts a suppression), and within `softDays` before the event.
 * Both engines count the soft events strictly after this instant and up to the event.
 */
export function softCountFrom(
  at: string,
  resets: readonly (string | null | undefined)[],
  policy: SoftBouncePolicy,
): string {
  let from = new Date(Date.parse(at) - policy.softDays * DAY_MS).toISOString();
  for (const reset of resets) if (reset && reset > from) from = reset;
  return from;
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
