import { domainToASCII } from 'node:url';
import { getDomain } from 'tldts';
import type { Config } from '../content/model.js';
import { SetupError } from '../diagnostics/setup-error.js';
import { dkimSigningDomain } from './dkim-names.js';

/**
 * DMARC passes on DKIM only when the signing domain (d=) aligns with the From domain. Bulletin
 * asks for relaxed alignment, what DMARC uses unless a domain says `adkim=s`: both belong to the
 * same organisational domain, the registrable name under a public suffix (news.example.org and
 * mail.example.org both belong to example.org). The public suffix list (tldts) tells `co.uk` from a
 * real domain: d=co.uk would "contain" every From under it, but nobody can publish a key there, and
 * no receiver would count it. A d= that fails this would sign every message and still fail DMARC,
 * which at p=quarantine or p=reject sends the whole list to spam or back.
 * Returns the d= to sign with: lower case, punycode, no trailing dot (both sides are compared so).
 */
export function assertDkimAligned(config: Config, domain: string): string {
  const signing = dkimSigningDomain(domain);
  const fromDomain = domainToASCII(config.sender.from.email.split('@').pop()!).toLowerCase();
  const fromOrg = organisationalDomain(fromDomain);
  const signingOrg = organisationalDomain(signing);
  const orParent = fromOrg && fromOrg !== fromDomain ? ` (or ${fromOrg})` : '';
  const fix = `Sign with d=${fromDomain}${orParent}, the domain of sender.from.email, and publish the key there`;
  if (!signingOrg) {
    throw new SetupError(
      `dispatch.dkim.domain "${domain}" is a public suffix (as com or co.uk are), not a domain anyone can sign for, ` +
        `so DMARC would fail for sender.from.email ${config.sender.from.email}. ${fix}.`,
    );
  }
  if (signingOrg !== fromOrg) {
    throw new SetupError(
      `dispatch.dkim.domain "${domain}" does not align with the domain of sender.from.email ` +
        `(${config.sender.from.email}): DMARC would fail, and receivers that enforce it would reject the mail ` +
        `or file it as spam. ${fix}, or send from an address at ${signing}.`,
    );
  }
  return signing;
}

/**
 * The registrable domain (private suffixes such as github.io count, as DMARC's list does); null for a bare
 * suffix.
 */
function organisationalDomain(host: string): string | null {
  return getDomain(host, { allowPrivateDomains: true });
}
