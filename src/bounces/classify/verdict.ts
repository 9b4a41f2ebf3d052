import type { Verdict } from '../report.js';
import { isGeneric } from './status-code.js';

/**
 * The verdict of one failed recipient, the way a bounce processor that has to protect a sending
 * reputation decides it: the status code first, the remote server's words where the code is too
 * vague to tell (x.0.0, 5.5.x, 5.7.1 or no enhanced code at all). `hard` stops mail to the address
 * at once, so it is kept for what the recipient's server says will never change; anything that may
 * pass (a full mailbox, a block, a timeout) is `soft`, which the soft-bounce limit still ends.
 */

/** The address is gone: no such user or domain, moved, disabled. */
const GONE = new RegExp(
  [
    'user(?: name)? (?:is )?unknown',
    'unknown (?:user|recipient|address|mailbox|local[- ]part)',
    'no such (?:user|recipient|mailbox|address|person|account|domain)',
    "(?:user|mailbox|recipient|address|account)(?: that you tried to reach)? (?:does ?n[o']t|does not) exist",
    "doesn't have an? [\\w.-]+ account",
    'does not have an account',
    'not (?:a )?(?:valid|known) (?:user|recipient|mailbox)',
    'invalid (?:recipient|mailbox|user|address)',
    'recipient (?:not found|unknown)',
    'mailbox (?:not found|unavailable|does not exist|is disabled|has been disabled|disabled)',
    'no mailbox here',
    'address (?:not found|unknown)',
    'account (?:has been )?(?:disabled|deactivated|closed|terminated|is disabled)',
    'not listed in (?:domino directory|public name & address book)',
    'recipnotfound|recipientnotfound',
    'has moved|no longer (?:works|valid|active|here)',
    'host (?:or domain name )?not found|host unknown|domain (?:not found|does not exist|name not found)',
    'unrouteable address|no mx|null mx|name service error',
    'on the suppression list',
  ].join('|'),
  'i',
);

/** It may pass later: full, busy, throttled, blocked, timed out. */
const LATER = new RegExp(
  [
    'over ?quota|quota exceeded|mailbox (?:is )?full|mailbox size limit',
    'insufficient (?:system )?storage|out of storage',
    'greylist|graylist|try (?:again )?later|temporar',
    'rate limit|too many|unusual rate|receiving mail at a rate',
    'spam|blocked|block ?list|blacklist|reputation|policy|dmarc|spf|dkim|not authori[sz]ed|denied',
    'too (?:large|big)|size exceeds',
    'timed? ?out|expired|in the queue too long|retry timeout',
  ].join('|'),
  'i',
);

/**
 * A refusal of us, not of the address: our IP or domain is on a block list, the content looked like
 * spam, the sender was refused. Servers often give these an address code (550 5.1.x, 5.2.1 "mailbox
 * unavailable", Microsoft's 5.4.1), and taking the code at its word would suppress every reader at a
 * provider that has blocked us for a day. So these words make any code soft.
 */
const BLOCKED = new RegExp(
  [
    'blocked|black ?list|block ?list|spamhaus|\\brbl\\b|dnsbl|reputation|\\babuse\\b',
    'your (?:ip|ip address|server|domain)|sending ip|sender address rejected|spam content|due to spam',
  ].join('|'),
  'i',
);

/** What an MTA's own action says, before any code (RFC 3464 §2.3.3). */
function byAction(action: string | undefined): Verdict | undefined {
  const word = action?.trim().toLowerCase();
  if (word === 'delivered' || word === 'relayed' || word === 'expanded') return 'delivered';
  // A delay warning is not a bounce: the MTA still tries, and a failure report follows if it gives up.
  if (word === 'delayed') return 'unknown';
  return undefined;
}

/** A specific enhanced code decides alone; undefined where the text must. */
function byEnhancedCode(code: string, text: string): Verdict | undefined {
  const [klass, subject, detail] = code.split('.').map(Number) as [number, number, number];
  if (klass === 2) return 'delivered';
  if (klass === 4) return 'soft';
  if (isGeneric(code)) return undefined;
  if (BLOCKED.test(text)) return 'soft';
  if (subject === 1) {
    // 5.1.7 and 5.1.8 are about our sender address, not the recipient's.
    return detail === 7 || detail === 8 ? 'soft' : 'hard';
  }
  if (subject === 2) {
    // 5.2.1 mailbox disabled; 5.2.2 full, 5.2.3 too large, 5.2.4 list expansion: all may pass.
    return detail === 1 ? 'hard' : 'soft';
  }
  if (subject === 4) {
    // 5.4.4 unable to route and Exchange's 5.4.310 (DNS domain does not exist): the domain is gone.
    // Microsoft 365's 5.4.1 "Recipient address rejected: Access denied" is its directory saying
    // there is no such recipient (directory-based edge blocking); the words decide it below.
    if (detail === 4 || detail === 310) return 'hard';
    if (detail === 1) return /access denied|address rejected/i.test(text) ? 'hard' : 'soft';
    return 'soft';
  }
  if (subject === 7 && detail === 13) return 'hard'; // 5.7.13 user account disabled
  // 5.3 system, 5.5 protocol, 5.6 content, 5.7 policy: the recipient may well exist; the words may
  // still say otherwise (5.7.1 "recipient unknown", 5.3.0 "no such user"), so those are read.
  if ([3, 5, 6, 7].includes(subject)) return undefined;
  return 'soft';
}

/**
 * The words alone. Words of a dead address win over words of a passing trouble: "5.7.1 rejected by
 * policy: user unknown" is about an address that does not exist, whatever policy said it.
 */
function byText(text: string): Verdict | undefined {
  if (BLOCKED.test(text)) return 'soft';
  if (GONE.test(text)) return 'hard';
  if (LATER.test(text)) return 'soft';
  return undefined;
}

/** With only an SMTP reply code and no telling words. */
function byReplyCode(code: string | undefined): Verdict | undefined {
  if (!code) return undefined;
  if (code.startsWith('2')) return 'delivered';
  if (code.startsWith('4')) return 'soft';
  // 550 mailbox unavailable, 551 not local, 553 name not allowed: about the address. 552 storage,
  // 554 transaction failed (mostly policy): not.
  return ['550', '551', '553'].includes(code) ? 'hard' : 'soft';
}

export interface FailureFacts {
  status?: string;
  diagnostic?: string;
  action?: string;
}

export function verdictFor({ status, diagnostic, action }: FailureFacts): Verdict {
  const fromAction = byAction(action);
  if (fromAction) return fromAction;
  const text = diagnostic ?? '';
  const enhanced = status && /^\d\.\d{1,3}\.\d{1,3}$/.test(status) ? status : undefined;
  if (enhanced) {
    const decided = byEnhancedCode(enhanced, text);
    if (decided) return decided;
    const fromText = byText(text);
    if (fromText) return fromText;
    // A permanent failure with nothing more to go on: 5.7.x/5.5.x policy and protocol may pass,
    // a bare 5.0.0 or 5.1.x-like rejection is what dead addresses get.
    return /^5\.(?:5|7|3|6)\./.test(enhanced) ? 'soft' : 'hard';
  }
  const reply = status && /^\d{3}$/.test(status) ? status : undefined;
  if (reply?.startsWith('4')) return 'soft';
  return (
    byText(text) ?? byReplyCode(reply) ?? (/fail|undeliver|not delivered/i.test(text) ? 'soft' : 'unknown')
  );
}
