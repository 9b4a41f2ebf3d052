import { createHash } from 'node:crypto';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { Config } from '../content/model.js';
import type { CompiledEmail } from '../render/email/compile.js';
import { siteUrl } from '../render/urls.js';
import { dayOfMoment } from '../support/dates.js';
import { QuotedPrintableLines, quotedPrintablePart } from './quoted-printable-lines.js';
import { signToken } from './tokens.js';
import { verpAddress } from './verp.js';

export interface Addressee {
  email: string;
  name?: string | null;
  /** From the ledger's claim: names the subscriber in the bounce token (absent for a test message). */
  subscriberId?: number;
  /** When they subscribed to the list themselves (ISO 8601), from the ledger's claim: named in the footer. */
  subscribedAt?: string;
}

/**
 * The same (issue, list, address) always gets the same Message-ID: a resent message is recognisably the same.
 */
export function messageIdFor(config: Config, date: string, list: string, email: string): string {
  const host = new URL(config.site.baseUrl).host;
  return `<${createHash('sha256').update(`${date}\0${list}\0${email}`).digest('hex').slice(0, 32)}.${date}.${list}@${host}>`;
}

/**
 * The send a Message-ID of ours belongs to (`messageIdFor`), for a provider's event that quotes it
 * but not our Feedback-ID; nothing for any other Message-ID.
 */
export function sendOfMessageId(value: unknown): { issue?: string; list?: string } {
  if (typeof value !== 'string') return {};
  const match = /^<?[0-9a-f]{32}\.(\d{4}-\d{2}-\d{2})\.([^@\s<>]{1,64})@[^\s<>]+>?$/.exec(value.trim());
  return match ? { issue: match[1]!, list: match[2]! } : {};
}

export function unsubscribeUrl(
  config: Config,
  secret: string,
  list: string,
  email: string,
  now = Date.now(),
): string {
  const token = signToken(secret, { purpose: 'unsubscribe', email, list, issuedAt: Math.floor(now / 1000) });
  return siteUrl(config, `unsubscribe?token=${token}`);
}

export function preferencesUrl(
  config: Config,
  secret: string,
  list: string,
  email: string,
  now = Date.now(),
): string {
  const token = signToken(secret, { purpose: 'preferences', email, list, issuedAt: Math.floor(now / 1000) });
  return siteUrl(config, `preferences?token=${token}`);
}

/**
 * Gmail's feedback loop groups complaints by this (`a:b:c:SenderId`): the issue, the list, the site,
 * and a fixed sender id. Its fields must not hold a colon, so the host goes without its port.
 */
export function feedbackId(config: Config, date: string, list: string): string {
  const site = new URL(config.site.baseUrl).hostname.replace(/[^A-Za-z0-9.-]/g, '');
  return `${date}:${list}:${site}:bulletin`;
}

/**
 * The envelope when `dispatch.bounces.address` is set: a subscriber's message comes back to its own
 * signed VERP address, so a bounce names the message and the subscriber even when the notice does not
 * say the address plainly; a test message, which belongs to no subscriber, to the bounce address itself.
 * Without the setting, none: nodemailer takes the From address, as before.
 */
function envelopeFor(
  config: Config,
  date: string,
  list: string,
  to: Addressee,
  secret: string,
): Mail.Options['envelope'] | undefined {
  const bounces = config.dispatch.bounces.address;
  if (!bounces) return undefined;
  const from =
    to.subscriberId === undefined
      ? bounces
      : verpAddress(bounces, secret, { issue: date, list, subscriberId: to.subscriberId });
  return { from, to: [to.email] };
}

/** Per email, its messages' bodies encoded line by line, each line shared by the messages that have it. */
type EncodedBodies = { html: QuotedPrintableLines; text: QuotedPrintableLines };
const encodedBodies = new WeakMap<CompiledEmail, EncodedBodies>();

function bodiesOf(email: CompiledEmail): EncodedBodies {
  let bodies = encodedBodies.get(email);
  if (!bodies) {
    bodies = { html: new QuotedPrintableLines(), text: new QuotedPrintableLines() };
    encodedBodies.set(email, bodies);
  }
  return bodies;
}

/**
 * One subscriber's message: the issue filled for them (the cheap per-recipient pass), with the
 * headers mailbox providers require of bulk mail: List-Id, List-Unsubscribe with its one-click
 * POST (RFC 8058), Feedback-ID, one Message-ID, Date and Subject, and a real text/plain alternative;
 * sent from its own bounce address when there is one.
 */
export function buildMessage(
  email: CompiledEmail,
  config: Config,
  list: string,
  to: Addressee,
  secret: string,
  now = new Date(),
): Mail.Options {
  const listConfig = config.lists.find((l) => l.id === list);
  const unsubscribe = unsubscribeUrl(config, secret, list, to.email, now.getTime());
  const filled = email.fill({
    email: to.email,
    ...(to.name ? { name: to.name } : {}),
    unsubscribeUrl: unsubscribe,
    preferencesUrl: preferencesUrl(config, secret, list, to.email, now.getTime()),
    viewOnlineUrl: email.url,
    ...(listConfig ? { listName: listConfig.name } : {}),
    ...(to.subscribedAt
      ? { subscribedOn: dayOfMoment(to.subscribedAt, config.site.locale, config.site.timezone) }
      : {}),
  });
  const host = new URL(config.site.baseUrl).host;
  const bodies = bodiesOf(email);
  const envelope = envelopeFor(config, email.date, list, to, secret);
  return {
    from: { name: config.sender.from.name, address: config.sender.from.email },
    ...(envelope ? { envelope } : {}),
    ...(config.sender.replyTo ? { replyTo: config.sender.replyTo } : {}),
    to: to.name ? { name: to.name, address: to.email } : to.email,
    subject: email.subject,
    // Quoted-printable keeps mostly-Latin text readable and small; encoded here, not by nodemailer,
    // so that the lines every message shares are encoded once per send (quoted-printable-lines.ts).
    html: { raw: quotedPrintablePart('text/html; charset=utf-8', bodies.html.body(filled.html)) },
    text: { raw: quotedPrintablePart('text/plain; charset=utf-8', bodies.text.body(filled.text)) },
    messageId: messageIdFor(config, email.date, list, to.email),
    date: now,
    headers: {
      'List-Id': `${listConfig?.name ?? list} <${list}.${host}>`,
      'List-Unsubscribe': `<${unsubscribe}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'Feedback-ID': feedbackId(config, email.date, list),
    },
  };
}
