import type { BounceEvent } from '../report.js';
import {
  addressOf,
  checkFresh,
  defined,
  isoTime,
  oneLine,
  parseJson,
  sendOfFeedbackId,
  WebhookRefusal,
  type WebhookProvider,
  type WebhookResult,
} from './common.js';
import {
  allowedSnsUrl,
  SNS_CERT_PATH,
  checkSnsSignature,
  confirmSubscription,
  SnsCertificates,
  snsEnvelope,
  type SnsEnvelope,
} from './sns.js';

/** SNS signs its time; it retries for a while, so an hour (not five minutes) before a message is stale. */
const SNS_MAX_AGE_MS = 60 * 60_000;

export interface SesOptions {
  /** The topic ARNs accepted (`dispatch.bounces.webhooks.sesTopics`). */
  topics: readonly string[];
  /** Tests only: a local origin allowed besides Amazon's hosts (BULLETIN_TEST_SNS_ORIGIN). */
  testOrigin?: string;
  certificates?: SnsCertificates;
  confirm?: (url: URL) => Promise<void>;
}

/**
 * Amazon SES events through SNS. In order: the envelope's shape (400), its topic (403), where its
 * certificate comes from (403), its age (403), its signature (403); then a subscription to an
 * allowed topic is confirmed, and a notification's bounce, complaint or delivery read.
 */
export function sesProvider(options: SesOptions): WebhookProvider {
  const certificates = options.certificates ?? new SnsCertificates();
  const confirm = options.confirm ?? confirmSubscription;
  return {
    name: 'ses',
    async read(request): Promise<WebhookResult> {
      const parsed = snsEnvelope.safeParse(parseJson(request.body));
      if (!parsed.success) throw new WebhookRefusal(400, 'the body is not an SNS message');
      const message = parsed.data;
      if (!options.topics.includes(message.TopicArn))
        throw new WebhookRefusal(403, 'the SNS topic is not one of dispatch.bounces.webhooks.sesTopics');
      if (!message.Signature || !message.SigningCertURL) throw new WebhookRefusal(403, 'no SNS signature');
      if (message.SignatureVersion !== '1' && message.SignatureVersion !== '2')
        throw new WebhookRefusal(403, 'the SNS SignatureVersion is neither 1 nor 2');
      const allowed = allowedSnsUrl(message.SigningCertURL, options.testOrigin);
      const certificateUrl = allowed && SNS_CERT_PATH.test(allowed.pathname) ? allowed : undefined;
      if (!certificateUrl)
        throw new WebhookRefusal(403, 'the SNS SigningCertURL is not https://sns.<region>.amazonaws.com/');
      checkFresh(Date.parse(message.Timestamp), request.now, SNS_MAX_AGE_MS);
      checkSnsSignature(message, await certificates.publicKey(certificateUrl, request.now));
      const seen = { replayKey: `ses|${message.MessageId}`, replayTtlMs: SNS_MAX_AGE_MS + 5 * 60_000 };
      if (message.Type === 'SubscriptionConfirmation') {
        const subscribe = allowedSnsUrl(message.SubscribeURL ?? '', options.testOrigin);
        if (!subscribe)
          throw new WebhookRefusal(403, 'the SNS SubscribeURL is not https://sns.<region>.amazonaws.com/');
        return { ...seen, kind: message.Type, events: [], confirm: () => confirm(subscribe) };
      }
      if (message.Type === 'UnsubscribeConfirmation') return { ...seen, kind: message.Type, events: [] };
      return { ...seen, kind: 'Notification', events: sesEvents(message, request.now) };
    },
  };
}

interface SesMail {
  messageId?: string;
  timestamp?: string;
  headers?: { name?: string; value?: string }[];
}
interface SesRecipient {
  emailAddress?: string;
  status?: string;
  diagnosticCode?: string;
}

/**
 * An SES notification (`notificationType`, or `eventType` when it comes from a configuration set's
 * event publishing): Permanent bounces are hard, Transient and Undetermined soft; complaints, except
 * a `not-spam` feedback type; deliveries. Other types (sends, opens...) carry no events.
 */
export function sesEvents(message: SnsEnvelope, now: number): BounceEvent[] {
  const body = parseJson(Buffer.from(message.Message, 'utf8')) as Record<string, unknown> | null;
  if (!body || typeof body !== 'object') throw new WebhookRefusal(400, 'the SNS Message is not an SES event');
  const type = body.notificationType ?? body.eventType;
  const mail = (body.mail ?? {}) as SesMail;
  const feedbackId = mail.headers?.find((h) => h.name?.toLowerCase() === 'feedback-id')?.value;
  // One message's notices count once for each verdict, whatever SNS message carried them.
  const base = {
    source: 'ses',
    sourceId: mail.messageId ?? message.MessageId,
    ...sendOfFeedbackId(feedbackId),
  };
  const each = (
    recipients: unknown,
    verdict: BounceEvent['verdict'],
    at: unknown,
    extra: (r: SesRecipient) => Partial<BounceEvent> = () => ({}),
  ): BounceEvent[] =>
    (Array.isArray(recipients) ? recipients : []).flatMap((recipient: SesRecipient | string) => {
      const address = addressOf(typeof recipient === 'string' ? recipient : recipient?.emailAddress);
      if (!address) return [];
      const details = typeof recipient === 'string' ? {} : extra(recipient);
      return [defined({ ...base, address, verdict, at: isoTime(at, now), ...details })];
    });
  if (type === 'Bounce') {
    const bounce = (body.bounce ?? {}) as Record<string, unknown>;
    const verdict = bounce.bounceType === 'Permanent' ? 'hard' : 'soft';
    return each(bounce.bouncedRecipients, verdict, bounce.timestamp, (r) => ({
      status: oneLine(r.status),
      diagnostic: oneLine(r.diagnosticCode) ?? oneLine(`${bounce.bounceType}/${bounce.bounceSubType}`),
    }));
  }
  if (type === 'Complaint') {
    const complaint = (body.complaint ?? {}) as Record<string, unknown>;
    if (complaint.complaintFeedbackType === 'not-spam') return [];
    return each(complaint.complainedRecipients, 'complaint', complaint.timestamp, () => ({
      diagnostic: oneLine(complaint.complaintFeedbackType),
    }));
  }
  if (type === 'Delivery') {
    const delivery = (body.delivery ?? {}) as Record<string, unknown>;
    return each(delivery.recipients, 'delivered', delivery.timestamp, () => ({
      diagnostic: oneLine(delivery.smtpResponse),
    }));
  }
  return [];
}
