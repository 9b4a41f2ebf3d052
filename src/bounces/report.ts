/**
 * What a bounce, a complaint or a provider event says, once read: the shared vocabulary of the
 * classifier (`classify/`), the readers (`imap.ts`, `webhooks/`) and what acts on them (`act.ts`).
 */

/**
 * - `hard`: the address will never accept mail (unknown user, unknown domain, moved).
 * - `soft`: it may later (mailbox full, rate limited, greylisted, blocked by policy, expired in queue).
 * - `complaint`: the reader marked it as spam (ARF, a provider's complaint event).
 * - `auto-reply`: an out-of-office or other RFC 3834 answer: ignored.
 * - `delivered`: a provider says the receiving server took it (resets the soft-bounce count).
 * - `unknown`: a notice we cannot read a verdict from: logged, never acted on.
 */
export const VERDICTS = ['hard', 'soft', 'complaint', 'auto-reply', 'delivered', 'unknown'] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface ReportedRecipient {
  /** As the report gives it, normalized to lower case; '' when the report names nobody. */
  address: string;
  /** An RFC 3463 enhanced status code (`5.1.1`), or the SMTP reply code when that is all there is. */
  status?: string;
  /** The remote server's words (Diagnostic-Code, or the notice's text), one line, at most 500 characters. */
  diagnostic?: string;
  verdict: Verdict;
}

/** One message read from the bounce mailbox (or a file), classified. */
export interface BounceReport {
  /** What the message is: a standard report, a notice from a known MTA, or something else. */
  format: 'dsn' | 'arf' | 'auto-reply' | 'notice' | 'unknown';
  /** The report's own Message-ID, the evidence recorded with any action. */
  messageId?: string;
  /** The Message-ID of the message that bounced, when the report quotes it. */
  originalMessageId?: string;
  /** Every address the report's headers or quoted original carry a VERP token for (`bounces+TOKEN@`). */
  bounceTokens: string[];
  recipients: ReportedRecipient[];
}

/**
 * One thing that happened to one message we sent, ready to act on: from a classified report (IMAP)
 * or from a provider's webhook event, after its signature was checked.
 */
export interface BounceEvent {
  /** `imap`, `ses`, `postmark`, `mailgun`, `sendgrid`, `file`. */
  source: string;
  /** Unique within the source (the report's Message-ID, the provider's event id): seen twice, counted once. */
  sourceId: string;
  /** The subscriber's address the event is about (from the token when there is one). */
  address: string;
  verdict: Extract<Verdict, 'hard' | 'soft' | 'complaint' | 'delivered'>;
  status?: string;
  diagnostic?: string;
  /** The send it belongs to, when known (from the VERP token or the Message-ID). */
  issue?: string;
  list?: string;
  /** ISO 8601. */
  at: string;
}
