import { decodedOrAsWritten } from '../support/errors.js';

/**
 * The rules for `dispatch.bounces.imap.url`, checked when the config loads (so `bulletin check`
 * points at the line) and again by the IMAP reader (src/bounces/imap-url.ts) before it connects.
 */

export interface MailboxAddress {
  secure: boolean;
  host: string;
  port: number;
  /** Decoded: `bounces%40example.org` is the user `bounces@example.org`. */
  username: string;
}

/** Why the URL cannot be used, in words that never repeat it (it may hold a password); else the address. */
export function readMailboxUrl(
  url: string,
): { ok: true; address: MailboxAddress } | { ok: false; reason: string } {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (!parsed || !['imap:', 'imaps:'].includes(parsed.protocol))
    return {
      ok: false,
      reason: 'must be an imap:// or imaps:// address like imaps://bounces@mail.example.org',
    };
  if (parsed.password)
    return {
      ok: false,
      reason: 'holds a password; remove it from the config and set BULLETIN_BOUNCES_IMAP_PASSWORD instead',
    };
  if (!parsed.username)
    return { ok: false, reason: 'names no user; write it like imaps://bounces@mail.example.org' };
  if (parsed.pathname.replace(/^\/+/, '') || parsed.search)
    return { ok: false, reason: 'names a folder; put it in dispatch.bounces.imap.folder instead' };
  const secure = parsed.protocol === 'imaps:';
  return {
    ok: true,
    address: {
      secure,
      host: parsed.hostname.replace(/^\[|\]$/g, ''),
      port: parsed.port ? Number(parsed.port) : secure ? 993 : 143,
      username: decodedOrAsWritten(parsed.username, decodeURIComponent),
    },
  };
}
