import { createHash, verify, type KeyObject } from 'node:crypto';
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
  WebhookRefusal,
  type WebhookProvider,
} from './common.js';

const MAX_AGE_MS = 5 * 60_000;
const SIGNATURE = 'x-twilio-email-event-webhook-signature';
const TIMESTAMP = 'x-twilio-email-event-webhook-timestamp';

/**
 * SendGrid's signed Event Webhook: an ECDSA P-256 signature (base64 DER) over the timestamp header
 * followed by the raw body. A replay is the same timestamp and body again: keyed on those, not on the
 * signature, which an attacker can re-encode (ECDSA signatures are malleable) without the key.
 */
export function sendgridProvider(publicKey: KeyObject): WebhookProvider {
  return {
    name: 'sendgrid',
    async read(request) {
      const signature = request.headers[SIGNATURE];
      const timestamp = request.headers[TIMESTAMP];
      if (typeof signature !== 'string' || typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp))
        throw new WebhookRefusal(403, 'no SendGrid signature');
      checkFresh(Number(timestamp) * 1000, request.now, MAX_AGE_MS);
      const signed = Buffer.concat([Buffer.from(timestamp, 'utf8'), request.body]);
      let valid: boolean;
      try {
        valid = verify('sha256', signed, publicKey, Buffer.from(signature, 'base64'));
      } catch (error) {
        // A signature that is not DER at all: no signature of this body.
        if (!(error instanceof Error)) throw error;
        valid = false;
      }
      if (!valid) throw new WebhookRefusal(403, 'the SendGrid signature does not match');
      const records = parseJson(request.body);
      if (!Array.isArray(records)) throw new WebhookRefusal(400, 'the body is not a list of SendGrid events');
      const digest = createHash('sha256').update(signed).digest('hex');
      return {
        kind: `${records.length} events`,
        events: records.flatMap((record) =>
          record && typeof record === 'object'
            ? sendgridEvents(record as Record<string, unknown>, request.now)
            : [],
        ),
        replayKey: `sendgrid|${digest}`,
        replayTtlMs: MAX_AGE_MS + FUTURE_SKEW_MS,
      };
    },
  };
}

/**
 * `bounce` is hard, except `type: blocked` (refused for now, by policy or reputation), soft;
 * `dropped` for a `Bounced Address` is hard and for a `Spam Reporting Address` a complaint (SendGrid
 * kept it from sending because of an earlier one); `spamreport` a complaint; `delivered`. `deferred`
 * is still being retried: no event until it bounces or is delivered.
 */
export function sendgridEvents(record: Record<string, unknown>, now: number): BounceEvent[] {
  const address = addressOf(record.email);
  const sourceId = String(record.sg_message_id ?? record.sg_event_id ?? '');
  if (!address || !sourceId) return [];
  const event = (verdict: BounceEvent['verdict']): BounceEvent[] => [
    defined({
      source: 'sendgrid',
      sourceId,
      address,
      verdict,
      status: oneLine(record.status),
      diagnostic: oneLine(record.reason) ?? oneLine(record.response),
      at: isoTime(record.timestamp, now),
      ...sendOfMessageId(record['smtp-id']),
    }),
  ];
  switch (record.event) {
    case 'bounce':
      return event(record.type === 'blocked' ? 'soft' : permanentVerdict(record.status, record.reason));
    case 'dropped':
      if (record.reason === 'Bounced Address') return event('hard');
      if (record.reason === 'Spam Reporting Address') return event('complaint');
      return [];
    case 'spamreport':
      return event('complaint');
    case 'delivered':
      return event('delivered');
    default:
      return [];
  }
}
