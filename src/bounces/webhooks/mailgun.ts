import { createHmac } from 'node:crypto';
import { sendOfMessageId } from '../../dispatch/message.js';
import type { BounceEvent } from '../report.js';
import {
  addressOf,
  checkFresh,
  defined,
  FUTURE_SKEW_MS,
  isoTime,
  oneLine,
  parseJson,
  permanentVerdict,
  sameSecret,
  WebhookRefusal,
  type WebhookProvider,
} from './common.js';

const MAX_AGE_MS = 5 * 60_000;

/**
 * Mailgun webhooks (the JSON kind): `signature` = HMAC-SHA256 of timestamp + token with the webhook
 * signing key, hex. The signature covers only those two, not the event, so the token is what makes
 * a delivery unique: a token seen before (within the five minutes a timestamp stays fresh) is a replay.
 */
export function mailgunProvider(signingKey: string): WebhookProvider {
  return {
    name: 'mailgun',
    async read(request) {
      const body = parseJson(request.body) as Record<string, unknown> | null;
      const signature = (body && typeof body === 'object' ? body.signature : undefined) as
        | Record<string, unknown>
        | undefined;
      const { timestamp, token } = signature ?? {};
      const given = signature?.signature;
      if (typeof timestamp !== 'string' && typeof timestamp !== 'number')
        throw new WebhookRefusal(403, 'no Mailgun signature');
      if (typeof token !== 'string' || typeof given !== 'string' || token.length > 200)
        throw new WebhookRefusal(403, 'no Mailgun signature');
      checkFresh(Number(timestamp) * 1000, request.now, MAX_AGE_MS);
      const expected = createHmac('sha256', signingKey).update(`${timestamp}${token}`).digest('hex');
      if (!sameSecret(given.toLowerCase(), expected))
        throw new WebhookRefusal(403, 'the Mailgun signature does not match');
      const data = body?.['event-data'];
      if (!data || typeof data !== 'object') throw new WebhookRefusal(400, 'the body has no event-data');
      const record = data as Record<string, unknown>;
      return {
        kind: String(record.event),
        events: mailgunEvents(record, request.now),
        replayKey: `mailgun|${token}`,
        replayTtlMs: MAX_AGE_MS + FUTURE_SKEW_MS,
      };
    },
  };
}

/**
 * `failed` with severity `permanent` is hard (Mailgun's own suppression of a bounced address too),
 * `temporary` soft; `suppress-complaint` and `complained` are complaints; `delivered`. The rest
 * (opened, clicked, unsubscribed, accepted...) carry no events.
 */
export function mailgunEvents(record: Record<string, unknown>, now: number): BounceEvent[] {
  const message = (record.message ?? {}) as { headers?: Record<string, unknown> };
  const messageId = message.headers?.['message-id'];
  // Temporary failures repeat for each retry of one message: counted once per message.
  const sourceId = typeof messageId === 'string' && messageId ? messageId : String(record.id ?? '');
  const address = addressOf(record.recipient);
  if (!sourceId || !address) return [];
  const status = (record['delivery-status'] ?? {}) as Record<string, unknown>;
  const event = (verdict: BounceEvent['verdict']): BounceEvent[] => [
    defined({
      source: 'mailgun',
      sourceId,
      address,
      verdict,
      status: oneLine(status['enhanced-code'] ?? status.code),
      diagnostic: oneLine(status.message) ?? oneLine(status.description) ?? oneLine(record.reason),
      at: isoTime(record.timestamp, now),
      ...sendOfMessageId(messageId),
    }),
  ];
  switch (record.event) {
    case 'failed':
      if (record.reason === 'suppress-complaint') return event('complaint');
      if (record.reason === 'suppress-unsubscribe') return [];
      // `old`: gave up after temporary failures; `espblock`: the provider refused us, not the address.
      if (record.severity !== 'permanent' || record.reason === 'old' || record.reason === 'espblock')
        return event('soft');
      return event(
        permanentVerdict(status['enhanced-code'] ?? status.code, status.message ?? status.description),
      );
    case 'complained':
      return event('complaint');
    case 'delivered':
      return event('delivered');
    default:
      return [];
  }
}
