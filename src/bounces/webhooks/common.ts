import { verdictFor } from '../classify/verdict.js';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { BounceEvent } from '../report.js';

/** One POST to a webhook, as it arrived: the bytes are what a signature covers, never a re-serialization. */
export interface WebhookRequest {
  body: Buffer;
  headers: IncomingHttpHeaders;
  /** Milliseconds since the epoch. */
  now: number;
}

/** What a verified request says, and what the route must do with it. */
export interface WebhookResult {
  events: BounceEvent[];
  /**
   * Names this delivery: seen again within `replayTtlMs`, it is refused. Only set once the request is
   * verified, so unsigned junk never fills the memory of seen deliveries.
   */
  replayKey?: string;
  replayTtlMs?: number;
  /** SNS SubscriptionConfirmation for an allowed topic: the GET that confirms it. */
  confirm?: () => Promise<void>;
  /** What the log says the request was (`Notification`, `SubscriptionConfirmation`, a record type...). */
  kind: string;
}

/** One provider's endpoint: `POST /webhooks/<name>`. */
export interface WebhookProvider {
  name: 'ses' | 'postmark' | 'mailgun' | 'sendgrid';
  /** Verifies the request and reads its events; throws `WebhookRefusal` for anything to refuse. */
  read(request: WebhookRequest): Promise<WebhookResult>;
}

/**
 * A request refused: 400 unreadable, 401 no or wrong credentials (basic auth), 403 a signature,
 * topic, certificate or timestamp that does not hold. The message goes to the log and the answer,
 * so it never holds a key, a signature or an address.
 */
export class WebhookRefusal extends Error {
  override name = 'WebhookRefusal';

  constructor(
    readonly statusCode: 400 | 401 | 403,
    message: string,
  ) {
    super(message);
  }
}

/** The body as JSON, or a 400. */
export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    if (error instanceof SyntaxError) throw new WebhookRefusal(400, 'the body is not JSON');
    throw error;
  }
}

/**
 * A signed time checked against the clock: older than `maxAgeMs`, or more than five minutes ahead
 * (a clock that far off is no clock to trust), and the request is refused as a possible replay.
 */
export function checkFresh(at: number, now: number, maxAgeMs: number): void {
  if (!Number.isFinite(at)) throw new WebhookRefusal(400, 'the timestamp is not a time');
  if (now - at > maxAgeMs) throw new WebhookRefusal(403, 'the timestamp is too old (a replay?)');
  if (at - now > FUTURE_SKEW_MS) throw new WebhookRefusal(403, 'the timestamp is in the future');
}

export const FUTURE_SKEW_MS = 5 * 60_000;

/** Equal, in time that does not depend on where two secrets differ (digests first: lengths may differ). */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** A provider's words as the event keeps them: one line, at most 500 characters. */
export function oneLine(text: unknown): string | undefined {
  if (typeof text !== 'string' && typeof text !== 'number') return undefined;
  const line = String(text).replace(/\s+/g, ' ').trim();
  return line ? line.slice(0, 500) : undefined;
}

/** An address as events carry it: trimmed and lower case; undefined for anything that is not one. */
export function addressOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const address = value.trim().toLowerCase();
  return /^[^\s@<>]{1,64}@[^\s@<>]{1,255}$/.test(address) ? address : undefined;
}

/** An ISO 8601 time from what a provider gives (seconds since the epoch, or a date string). */
export function isoTime(value: unknown, fallback: number): string {
  const ms =
    typeof value === 'number' ? value * 1000 : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return new Date(Number.isFinite(ms) ? ms : fallback).toISOString();
}

/**
 * The send a message belongs to, from the `Feedback-ID` header every message carries
 * (`<issue>:<list>:<sender>:bulletin`), when the provider quotes it.
 */
export function sendOfFeedbackId(value: unknown): { issue?: string; list?: string } {
  if (typeof value !== 'string') return {};
  const match = /^(\d{4}-\d{2}-\d{2}):([^:\s]{1,64}):[^:]*:bulletin$/.exec(value.trim());
  return match ? { issue: match[1]!, list: match[2]! } : {};
}

/** Drops the keys whose value is undefined (events are compared and stored as plain objects). */
export function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * A provider's "permanent" failure, weighed as a bounce notice is (classify/verdict.ts): a block of
 * us, spam or policy under a permanent code is soft, so one provider's block of our IP does not
 * suppress every reader there.
 */
export function permanentVerdict(status: unknown, diagnostic: unknown): 'hard' | 'soft' {
  const code = typeof status === 'string' || typeof status === 'number' ? String(status) : undefined;
  const words = typeof diagnostic === 'string' ? diagnostic : undefined;
  return verdictFor({ status: code, diagnostic: words }) === 'soft' ? 'soft' : 'hard';
}
