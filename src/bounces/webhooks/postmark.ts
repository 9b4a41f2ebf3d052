import type { BounceEvent } from '../report.js';
import {
  addressOf,
  defined,
  isoTime,
  oneLine,
  parseJson,
  sameSecret,
  WebhookRefusal,
  type WebhookProvider,
} from './common.js';

/**
 * Postmark's bounce types that say the address is gone for good, and those that say try later.
 * The rest (AutoResponder, Unsubscribe, ChallengeVerification, OpenRelayTest, SMTPApiError...) are
 * not about the address, and carry no event.
 */
const HARD = new Set(['HardBounce', 'BadEmailAddress', 'AddressChange']);
const SOFT = new Set(['SoftBounce', 'Transient', 'DnsError', 'Blocked', 'DMARCPolicy', 'SpamNotification']);

/** Postmark retries for hours and signs nothing: a delivery is remembered for a day. */
const REPLAY_TTL_MS = 24 * 60 * 60_000;

/**
 * Postmark webhooks: no signature, but HTTP basic auth in the webhook's URL
 * (`https://user:password@host/webhooks/postmark`), compared in constant time. Without a signed
 * timestamp, a replay is known only by the record's ID having been seen.
 */
export function postmarkProvider(credentials: { user: string; password: string }): WebhookProvider {
  return {
    name: 'postmark',
    async read(request) {
      const [scheme, encoded] = String(request.headers.authorization ?? '').split(' ', 2);
      if (scheme?.toLowerCase() !== 'basic' || !encoded)
        throw new WebhookRefusal(401, 'no basic auth credentials');
      const decoded = Buffer.from(encoded, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const user = colon < 0 ? decoded : decoded.slice(0, colon);
      const password = colon < 0 ? '' : decoded.slice(colon + 1);
      // Both compared, always: how long this takes says nothing of which one was wrong.
      const userOk = sameSecret(user, credentials.user);
      const passwordOk = sameSecret(password, credentials.password);
      if (!(userOk && passwordOk)) throw new WebhookRefusal(401, 'wrong basic auth credentials');
      const record = parseJson(request.body) as Record<string, unknown> | null;
      if (
        !record ||
        typeof record !== 'object' ||
        Array.isArray(record) ||
        typeof record.RecordType !== 'string'
      )
        throw new WebhookRefusal(400, 'the body is not a Postmark webhook record');
      // Deliveries have no ID of their own: their message and recipient name them.
      const id = [record.ID, record.MessageID, record.Recipient ?? record.Email].map((v) => String(v ?? ''));
      return {
        kind: record.RecordType,
        events: postmarkEvents(record, request.now),
        replayKey: `postmark|${record.RecordType}|${id.join('|')}`,
        replayTtlMs: REPLAY_TTL_MS,
      };
    },
  };
}

/** A Bounce, SpamComplaint or Delivery record; other records (opens, clicks...) carry no events. */
export function postmarkEvents(record: Record<string, unknown>, now: number): BounceEvent[] {
  const base = { source: 'postmark', sourceId: String(record.MessageID ?? record.ID ?? '') };
  if (!base.sourceId) return [];
  const event = (verdict: BounceEvent['verdict'], address: unknown, at: unknown): BounceEvent[] => {
    const valid = addressOf(address);
    if (!valid) return [];
    const diagnostic = oneLine(record.Details) ?? oneLine(record.Description);
    return [defined({ ...base, address: valid, verdict, diagnostic, at: isoTime(at, now) })];
  };
  switch (record.RecordType) {
    case 'Bounce': {
      const type = String(record.Type);
      if (HARD.has(type)) return event('hard', record.Email, record.BouncedAt);
      if (SOFT.has(type)) return event('soft', record.Email, record.BouncedAt);
      if (type === 'SpamComplaint') return event('complaint', record.Email, record.BouncedAt);
      return [];
    }
    case 'SpamComplaint':
      return event('complaint', record.Email, record.BouncedAt);
    case 'Delivery':
      return event('delivered', record.Recipient, record.DeliveredAt);
    default:
      return [];
  }
}
