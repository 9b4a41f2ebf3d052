import type { BounceReport, ReportedRecipient } from '../report.js';
import { isAutoReply } from './auto-reply.js';
import { tokensIn } from './bounce-tokens.js';
import { readDeliveryStatus } from './delivery-status.js';
import { readFeedbackReport } from './feedback-report.js';
import { type ReadMessage, readMessage, readQuotedHeaders } from './mime.js';
import { fromMailSystem, readKnownNotice, readUnknownNotice } from './notices.js';
import { bareAddress } from './one-line.js';

/**
 * A raw message from the bounce mailbox, read: a delivery status notification, a complaint, an
 * auto-reply, a non-standard notice, or something else. Never throws: a message too broken to
 * parse is format `unknown` with nobody in it, which nothing acts on.
 */
export async function classifyMessage(raw: Buffer | string): Promise<BounceReport> {
  try {
    return await classifyParsed(await readMessage(raw));
  } catch (_unparseable) {
    // mailparser refuses some hostile input (too many parts, a header block over 1 MB): that is a
    // message we cannot read, not a failure of the caller, whose poller must go on to the next.
    return { format: 'unknown', bounceTokens: [], recipients: [] };
  }
}

async function classifyParsed(message: ReadMessage): Promise<BounceReport> {
  const quoted = message.parts.find((p) => /rfc822|headers/.test(p.contentType));
  const original = quoted ? await readQuotedHeaders(quoted.body) : undefined;
  const tokens = new Set<string>();
  tokensIn(message.headerLines.join('\n'), tokens);
  if (original) tokensIn(original.headerLines.join('\n'), tokens);
  // Notices (and Exchange's DSN prose, "Original message headers:") quote the original inline:
  // its header-shaped lines carry the token when a forward has dropped everything else.
  tokensIn(message.text, tokens);

  const base = {
    ...optional('messageId', message.header('message-id')),
    ...optional('originalMessageId', original?.header('message-id')),
  };
  const report = (
    format: BounceReport['format'],
    recipients: ReportedRecipient[],
    extra = {},
  ): BounceReport => ({
    format,
    ...base,
    ...extra,
    bounceTokens: [...tokens],
    recipients,
  });

  const status = message.parts.find((p) => /delivery-status$/.test(p.contentType));
  if (status) {
    const prose = readKnownNotice(message) ?? [];
    const proseFor = (address: string) => prose.find((r) => r.address === address)?.diagnostic;
    const { recipients, originalMessageId } = readDeliveryStatus(status.body, proseFor);
    return report(
      'dsn',
      recipients,
      base.originalMessageId ? {} : optional('originalMessageId', originalMessageId),
    );
  }
  const feedback = message.parts.find((p) => p.contentType === 'message/feedback-report');
  if (feedback) {
    tokensIn(feedback.body, tokens);
    return report('arf', readFeedbackReport(feedback.body, original?.header('to')));
  }

  const inlineId = /^[ \t]*Message-ID[ \t]*:[ \t]*(<[^>\s]+>)/im.exec(message.text)?.[1];
  const inline = base.originalMessageId ? {} : optional('originalMessageId', inlineId);
  const known = readKnownNotice(message);
  if (known) return report('notice', stillTrying(message, known), inline);
  // Exim and Postfix mark their bounces `Auto-Submitted: auto-replied` too.
  if (isAutoReply(message) && !fromMailSystem(message)) {
    // From is the subscriber whose responder answered; Reply-To may name a colleague.
    return report('auto-reply', [{ address: bareAddress(message.header('from')), verdict: 'auto-reply' }]);
  }
  const unknown = readUnknownNotice(message);
  if (unknown) return report('notice', stillTrying(message, unknown), inline);
  return report('unknown', []);
}

/**
 * A prose delay warning (Exim's "has not yet been delivered", Sendmail's "WARNING MESSAGE ONLY") is
 * not a bounce: the server is still trying, sends one every day or so, and a failure report follows
 * if it gives up. Counted as soft bounces, three warnings for one greylisted message would suppress
 * a reader whose mail then arrives. (A DSN says the same with `Action: delayed`.)
 */
const DELAY_WARNING = new RegExp(
  [
    '^warning:.*delayed',
    'has not (?:yet )?been delivered',
    'will (?:continue|keep) (?:trying|to try|attempting)',
    'delivery attempts will continue',
    'warning message only',
    'delivery (?:is |has been )?delayed',
    'still (?:being )?(?:retried|trying)',
    '\\(delay\\)',
  ].join('|'),
  'im',
);

function stillTrying(message: ReadMessage, recipients: ReportedRecipient[]): ReportedRecipient[] {
  const said = `${message.subject}\n${message.text.slice(0, 4000)}`;
  if (!DELAY_WARNING.test(said)) return recipients;
  return recipients.map((recipient) => ({ ...recipient, verdict: 'unknown' }));
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  const trimmed = value?.trim();
  return trimmed ? ({ [key]: trimmed } as Record<K, string>) : {};
}
