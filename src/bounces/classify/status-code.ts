/**
 * Status codes as bounces write them: the RFC 3463 enhanced code (`5.1.1`; Exchange's three-digit
 * details like `5.4.310` too), or only the RFC 5321 reply code (`550`) from servers that send no
 * enhanced code.
 */

const ENHANCED = /(?:^|[^\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.]*\d)/;
/** Diagnostics are one line of at most 500 characters; a longer field is searched this far only. */
const MAX_SEARCHED = 1000;
const REPLY = /(?:^|[^\d.#])([245]\d\d)(?=[ :-]|$)/;

/** The first enhanced status code in `text` (`#5.1.1` of qmail and old Exchange included). */
export function enhancedCodeIn(text: string | undefined): string | undefined {
  const match = text ? ENHANCED.exec(text.slice(0, MAX_SEARCHED)) : null;
  return match ? `${match[1]}.${match[2]}.${match[3]}` : undefined;
}

/** The first SMTP reply code (`550`, `452-`) in `text`. */
export function replyCodeIn(text: string | undefined): string | undefined {
  const match = text ? REPLY.exec(text.slice(0, MAX_SEARCHED)) : null;
  return match?.[1];
}

/**
 * The status worth reporting: the most specific one. A DSN's `Status: 5.0.0` next to a remote
 * `550 5.1.1 user unknown` says less than the remote server did, so the remote code wins when the
 * two agree on the class (a 4.x.x the MTA gave up on stays as the MTA wrote it).
 */
export function bestStatus(status: string | undefined, diagnostic: string | undefined): string | undefined {
  const given = enhancedCodeIn(status);
  const remote = enhancedCodeIn(diagnostic);
  if (!given) return remote ?? replyCodeIn(status) ?? replyCodeIn(diagnostic);
  if (remote && remote[0] === given[0] && isGeneric(given) && !isGeneric(remote)) return remote;
  return given;
}

/** `x.0.0`: "something went wrong", which the words around it may explain. */
export function isGeneric(code: string): boolean {
  return /^\d\.0\.0$/.test(code);
}
