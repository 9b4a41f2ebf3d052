import type { ReportedRecipient } from '../report.js';
import type { ReadMessage } from './mime.js';
import { bareAddress, oneLine } from './one-line.js';
import { bestStatus } from './status-code.js';
import { verdictFor } from './verdict.js';

/**
 * The bounces that are not RFC 3464 reports: prose from an MTA that lists the failed addresses,
 * each followed by why. Every MTA words it its own way, but the shape is the same: a sentence that
 * starts the list, an address on a line of its own, the reason below it, a line that ends the list
 * (where the copy of the message begins). Each known wording is one entry below.
 */
interface NoticeShape {
  mta: string;
  start: RegExp;
  end: RegExp;
}

const SHAPES: NoticeShape[] = [
  { mta: 'qmail', start: /This is the qmail-send program/i, end: /^--- (?:Below this line|Enclosed are)/m },
  {
    mta: 'exim',
    start: /The following address(?:\(es\))? failed:/i,
    end: /^-{6} (?:This is a copy|The body of the message|The header)/m,
  },
  {
    mta: 'yahoo',
    start: /unable to deliver your message to the following address/i,
    end: /^--- Below this line/m,
  },
  {
    mta: 'gmail',
    start: /Delivery to the following recipients? failed permanently:/i,
    end: /^-{3,} ?Original message ?-{3,}/im,
  },
  {
    mta: 'exchange',
    start:
      /following recipient\(s\) (?:cannot|could not) be reached:|Delivery has failed to these recipients or groups:/i,
    end: /^(?:Original message headers:|Reporting-MTA:)/im,
  },
  { mta: 'domino', start: /was not delivered to:/i, end: /^(?:Reporting-MTA:|-{3,})/im },
  {
    mta: 'sendmail',
    start: /-{5} The following addresses had permanent fatal errors -{5}/i,
    end: /^ *-{5} (?:Original message|Message header) follows/im,
  },
];

/** A line that is nothing but an address: `alice@example.org`, `<alice@example.org>:`, `... on 12/1/2026`. */
const ADDRESS_LINE = /^\s*<?([^\s<>@"]+@[^\s<>@"]+?\.[^\s<>@":]+?)>?:?(?:\s+on\s+\S.*)?\s*$/;

const MAX_ADDRESS_LINE = 400;

function section(text: string, shape: NoticeShape): string | undefined {
  const start = shape.start.exec(text);
  if (!start) return undefined;
  const rest = text.slice(start.index + start[0].length);
  const end = shape.end.exec(rest);
  return end ? rest.slice(0, end.index) : rest;
}

/** Each address of the section with the lines under it; one seen twice (Exchange) gathers both. */
function addressBlocks(body: string): Map<string, string[]> {
  const blocks = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of body.split(/\r?\n/)) {
    // An address line is short; testing a hostile 200 KB line against ADDRESS_LINE would take minutes.
    const address = line.length <= MAX_ADDRESS_LINE ? ADDRESS_LINE.exec(line)?.[1] : undefined;
    if (address) {
      const key = address.toLowerCase();
      current = blocks.get(key) ?? [];
      blocks.set(key, current);
    } else if (current && line.trim()) current.push(line.trim());
  }
  return blocks;
}

function recipient(address: string, reason: string | undefined): ReportedRecipient {
  const diagnostic = oneLine(reason);
  const status = bestStatus(undefined, diagnostic);
  return {
    address,
    ...(status ? { status } : {}),
    ...(diagnostic ? { diagnostic } : {}),
    verdict: verdictFor({ status, diagnostic }),
  };
}

/** The recipients of a notice in one of the known wordings, or undefined when none matches. */
export function readKnownNotice(message: ReadMessage): ReportedRecipient[] | undefined {
  for (const shape of SHAPES) {
    const body = section(message.text, shape);
    if (body === undefined) continue;
    const blocks = addressBlocks(body);
    if (blocks.size === 0) continue;
    return [...blocks].map(([address, lines]) => recipient(address, lines.join(' ')));
  }
  return undefined;
}

const BOUNCE_SENDER = /mailer-daemon|postmaster|mail delivery (?:system|subsystem)/i;
const BOUNCE_SUBJECT = new RegExp(
  [
    'undeliver|delivery (?:status notification|failure|has failed|failed)|failure notice',
    'returned mail|mail delivery failed|could not be delivered',
    'non[- ]?remis|unzustellbar|nicht zustellbar',
  ].join('|'),
  'i',
);

/** Sent by a mail system, not a person (whose out-of-office answer would also be automatic). */
export function fromMailSystem(message: ReadMessage): boolean {
  return BOUNCE_SENDER.test(message.header('from') ?? '');
}

/**
 * A bounce in no wording we know: from a mailer daemon or with a bounce's subject. The recipient
 * is Exim's `X-Failed-Recipients` when given, or nobody (the VERP token still says who); the
 * verdict from the first line that carries a reply code.
 */
export function readUnknownNotice(message: ReadMessage): ReportedRecipient[] | undefined {
  if (!fromMailSystem(message) && !BOUNCE_SUBJECT.test(message.subject)) return undefined;
  const lines = message.text.split(/\r?\n/, 2000);
  const reason = lines.find((line) => /(?:^|\s|#)[45]\d\d[\s-]|[45]\.\d{1,3}\.\d{1,3}/.test(line));
  const failed = (message.header('x-failed-recipients') ?? '').split(',').map(bareAddress).filter(Boolean);
  return (failed.length > 0 ? failed : ['']).map((address) => recipient(address, reason));
}
