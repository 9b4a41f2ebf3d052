import { domainToASCII } from 'node:url';

export type AddressResult = { ok: true; address: string } | { ok: false; reason: string };

// dot-atom local part (RFC 5322 without quoted strings or comments): letters, digits and
// !#$%&'*+/=?^_`{|}~- in dot-separated runs.
const LOCAL_PART = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * One subscriber address, normalized: trimmed, lower-cased, the domain in ASCII (IDN to
 * punycode). Written by hand because the forms to refuse are policy, not syntax: quoted local
 * parts, comments, display names, several @ and IP-literal domains are all valid RFC 5322 and are
 * exactly what nodemailer's address-parsing advisories turned into mail to the wrong domain; a
 * newsletter list needs none of them. CR, LF and other control characters are refused outright.
 */
export function normalizeAddress(input: string): AddressResult {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: it looks for control characters
  if (/[\u0000-\u001f\u007f\u0085\u2028\u2029]/.test(input))
    return { ok: false, reason: 'contains a line break or control character' };
  const trimmed = input.trim();
  if (trimmed === '') return { ok: false, reason: 'is empty' };
  if (trimmed.length > 254) return { ok: false, reason: 'is longer than 254 characters' };
  if (/[<>"(),;:\\\s[\]]/.test(trimmed))
    return {
      ok: false,
      reason:
        'has a name, quotes, brackets, spaces or a list in it; give the bare address, like name@example.org',
    };
  const at = trimmed.lastIndexOf('@');
  if (at < 1 || trimmed.indexOf('@') !== at)
    return { ok: false, reason: 'must have exactly one @ with a name before it' };
  const local = trimmed.slice(0, at).toLowerCase();
  const rawDomain = trimmed.slice(at + 1);
  if (local.length > 64) return { ok: false, reason: 'has more than 64 characters before the @' };
  if (!LOCAL_PART.test(local))
    return { ok: false, reason: 'has characters before the @ that a mail address cannot have' };
  const domain = domainToASCII(rawDomain.toLowerCase().replace(/\.$/, ''));
  if (domain === '') return { ok: false, reason: 'has an invalid domain after the @' };
  const labels = domain.split('.');
  if (
    labels.length < 2 ||
    !labels.every((l) => DOMAIN_LABEL.test(l)) ||
    /^\d+$/.test(labels[labels.length - 1]!)
  ) {
    const numeric = /^\d+$/.test(labels[labels.length - 1]!);
    return {
      ok: false,
      reason: numeric
        ? 'has an IP address after the @ (no IP addresses); give a domain name like example.org'
        : 'needs a whole domain name after the @, like example.org',
    };
  }
  return { ok: true, address: `${local}@${domain}` };
}

/** Domains whose mail all lands in Gmail, which ignores dots in the local part. */
const GMAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

/**
 * The mailbox a normalized address delivers to, for counting mail sent to it (never for storing
 * or sending): the +tag removed (victim+1@ and victim+2@ reach the same person); for Gmail, dots
 * dropped and googlemail.com read as gmail.com, which is how Gmail itself delivers. Dots are kept
 * at other domains: that rule is Gmail's, and guessing it elsewhere would merge different people.
 */
export function mailboxOf(address: string): string {
  const at = address.lastIndexOf('@');
  const domain = address.slice(at + 1);
  const local = address.slice(0, at);
  const plus = local.indexOf('+');
  const untagged = plus > 0 ? local.slice(0, plus) : local;
  if (GMAIL_DOMAINS.has(domain)) return `${untagged.replace(/\./g, '')}@gmail.com`;
  return `${untagged}@${domain}`;
}

/** Whether `mailboxOf` merges more than +tags for this address's domain. */
export function mergesDots(address: string): boolean {
  return GMAIL_DOMAINS.has(address.slice(address.lastIndexOf('@') + 1));
}
