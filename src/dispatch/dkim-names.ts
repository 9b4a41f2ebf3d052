import { domainToASCII } from 'node:url';
import { SetupError } from '../diagnostics/setup-error.js';

/** One LDH label (RFC 1035 / RFC 6376 sub-domain): letters, digits, inner hyphens, 1–63 characters. */
const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_NAME_LENGTH = 253;
/**
 * What a name may hold as typed: ASCII LDH and dots, or any non-ASCII letter for an IDN (converted below).
 */
const TYPED_NAME = /^[A-Za-z0-9.\-\u0080-\uFFFF]+$/;

/**
 * `name` as receivers will look it up: lower case, punycode for a Unicode name, one trailing dot
 * dropped; undefined when it is not a DNS name. The character check comes first because
 * domainToASCII quietly cuts "example.org/x" to "example.org", which would hide the typo.
 */
export function normalDnsName(name: string): string | undefined {
  const typed = name.trim().replace(/\.$/, '');
  if (!TYPED_NAME.test(typed)) return undefined;
  const ascii = domainToASCII(typed).toLowerCase();
  if (!ascii || ascii.length > MAX_NAME_LENGTH) return undefined;
  return ascii.split('.').every((label) => LDH_LABEL.test(label)) ? ascii : undefined;
}

/**
 * `dispatch.dkim.domain` in the form to sign with. A malformed one would still sign every
 * message, but with a d= no receiver can look up (s1._domainkey..example.org is not a name),
 * so every message would fail DKIM and DMARC; refused before the first is sent.
 */
export function dkimSigningDomain(domain: string): string {
  const normal = normalDnsName(domain);
  if (normal) return normal;
  throw new SetupError(
    `dispatch.dkim.domain "${domain}" is not a valid DNS name, so receivers could not look up the key ` +
      `and every message would fail DKIM and DMARC. Write the domain alone, as example.org: dot-separated ` +
      `labels of letters, digits and inner hyphens, each 1 to 63 characters, no leading dot, no empty label, ` +
      `no path or port.`,
  );
}

/**
 * `dispatch.dkim.selector`, checked the same way: it is the first part of the name the key is looked up at.
 */
export function dkimSelector(selector: string, signingDomain: string): string {
  const trimmed = selector.trim();
  const lookup = `${trimmed}._domainkey.${signingDomain}`;
  const labels = trimmed.toLowerCase().split('.');
  if (lookup.length <= MAX_NAME_LENGTH && labels.every((label) => LDH_LABEL.test(label))) return trimmed;
  throw new SetupError(
    `dispatch.dkim.selector "${selector}" is not a valid DNS name, so receivers could not look up ` +
      `the key at ${lookup}. Use the selector you published the key under, as s1 or bulletin2026: ` +
      `letters, digits and inner hyphens, in dot-separated labels of 1 to 63 characters.`,
  );
}
