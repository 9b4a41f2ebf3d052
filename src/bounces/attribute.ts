import { readVerpToken, type VerpRef } from '../dispatch/verp.js';
import type { BounceEvent, BounceReport, ReportedRecipient } from './report.js';

export interface AttributionContext {
  /** BULLETIN_SECRET and the previous one (src/dispatch/secret.ts `Secrets.all`): tokens from before a rotation. */
  secrets: readonly string[];
  /** Every configured list id: the token carries only a MAC over its list. */
  lists: readonly string[];
  /** The address behind a subscriber id (`SubscriberStore.emailOf`). */
  emailOf: (id: number) => Promise<string | undefined>;
  /** Where the report came from (`imap`, `file`). */
  source: string;
  /** The sha256 (hex) of the raw message: its identity when it has no Message-ID, so it is counted once. */
  rawDigest: string;
  now?: Date;
}

export interface Skipped {
  /** The address concerned: the subscriber's when the token was read, else as reported ('' for none). */
  address: string;
  reason: string;
}

export interface Attribution {
  events: BounceEvent[];
  skipped: Skipped[];
}

type Actionable = BounceEvent['verdict'];
const ACTIONABLE: readonly string[] = ['hard', 'soft', 'complaint', 'delivered'] satisfies Actionable[];

/**
 * Turns a classified report into events, but only through a bounce token we signed: the token, not the
 * address the report names, says whose message it was (so a forwarded or rewritten address still
 * counts, and a forged report naming someone else's address never acts). Without a valid token,
 * everything is skipped with the reason, for the log. An auto-reply, or a notice with no verdict, acts
 * on nobody either.
 */
export async function attributeReport(
  report: BounceReport,
  context: AttributionContext,
): Promise<Attribution> {
  const reported = report.recipients.length ? report.recipients.map((r) => r.address) : [''];
  const skipAll = (reason: string): Attribution => ({
    events: [],
    skipped: reported.map((address) => ({ address, reason })),
  });
  const { refs, refused } = readTokens(report.bounceTokens, context);
  if (refs.length === 0) {
    const why = refused.length
      ? `its bounce token is ${[...new Set(refused)].join(' / ')}`
      : 'no bounce token in the report';
    return skipAll(`${why}: a report not tied to a message we sent acts on nobody`);
  }
  const events: BounceEvent[] = [];
  const skipped: Skipped[] = refused.map((reason) => ({
    address: '',
    reason: `a bounce token is ${reason}`,
  }));
  for (const ref of refs) {
    const address = await context.emailOf(ref.subscriberId);
    if (address === undefined) {
      const reason = `the bounce token names no subscriber ${ref.subscriberId} (removed since ${ref.issue}?)`;
      skipped.push({ address: reported.join(', '), reason });
      continue;
    }
    const chosen =
      report.format === 'auto-reply' ? { skip: AUTO_REPLY } : recipientOf(report.recipients, address);
    if ('skip' in chosen) {
      skipped.push({ address, reason: chosen.skip });
      continue;
    }
    const { recipient } = chosen;
    events.push({
      source: context.source,
      sourceId: report.messageId || `sha256:${context.rawDigest}`,
      address,
      verdict: recipient.verdict as Actionable,
      ...(recipient.status ? { status: recipient.status } : {}),
      ...(recipient.diagnostic ? { diagnostic: recipient.diagnostic } : {}),
      issue: ref.issue,
      list: ref.list,
      at: (context.now ?? new Date()).toISOString(),
    });
  }
  return { events, skipped };
}

const AUTO_REPLY = 'an automatic reply (RFC 3834), not a bounce: ignored';

/** The valid tokens (each reference once) and why the others were refused. */
function readTokens(
  tokens: readonly string[],
  context: AttributionContext,
): { refs: VerpRef[]; refused: string[] } {
  const refs = new Map<string, VerpRef>();
  const refused: string[] = [];
  for (const token of new Set(tokens.map((t) => t.toLowerCase()))) {
    const reading = readVerpToken(context.secrets, token, context.lists);
    if (!reading.ok) refused.push(reading.reason);
    else refs.set(`${reading.ref.issue}\0${reading.ref.list}\0${reading.ref.subscriberId}`, reading.ref);
  }
  return { refs: [...refs.values()], refused };
}

/**
 * Which of the report's lines is the subscriber's: the one naming their address; else the only one;
 * else any, when all say the same. Several lines that differ, none of them theirs (a forward to two
 * mailboxes), cannot be told apart.
 */
function recipientOf(
  recipients: readonly ReportedRecipient[],
  address: string,
): { recipient: ReportedRecipient } | { skip: string } {
  const own = recipients.find((r) => r.address.toLowerCase() === address.toLowerCase());
  const verdicts = new Set(recipients.map((r) => r.verdict));
  const recipient = own ?? (verdicts.size === 1 ? recipients[0] : undefined);
  if (!recipient) {
    if (recipients.length === 0) return { skip: 'the report names no recipient and no verdict' };
    const differing = [...verdicts].join(', ');
    return {
      skip:
        `the report names several recipients with different verdicts (${differing}), ` +
        "none of them this subscriber's address",
    };
  }
  if (recipient.verdict === 'auto-reply') return { skip: AUTO_REPLY };
  if (!ACTIONABLE.includes(recipient.verdict)) return { skip: 'no verdict could be read from the report' };
  return { recipient };
}
