/**
 * VERP tokens: the `TOKEN` of a `bounces+TOKEN@domain` envelope sender, wherever a report carries
 * it. Only the headers that hold the envelope or the recipient are read (Return-Path, To,
 * Delivered-To, X-Original-To) — of the report itself (a bounce is mailed to the VERP address) and
 * of the original it quotes — and a complaint's `Original-Mail-From` (RFC 5965 §3.2), which is the
 * envelope sender itself and survives the providers that redact the quoted original. Whether a
 * token is genuine is for attribution to check, not here.
 */
const CARRIERS =
  /^[ \t>]*(?:return-path|to|delivered-to|x-original-to|original-mail-from)[ \t]*:[ \t]*(.*)$/gim;
/**
 * A match starts only at the start of a local part (the lookbehind) and each part is bounded, so a
 * hostile line of letters without an `@` costs one pass, not one pass per character.
 */
const VERP = /(?<![a-z0-9._+=-])[a-z0-9._-]{1,64}\+([a-z0-9=_-]{1,64})@[a-z0-9.-]{1,255}/gi;
const MAX_TOKENS = 20;
/** A real envelope header is well under this; a longer line is cut, not searched whole. */
const MAX_CARRIER = 320;
/** Carrier lines searched per call: a report has a handful; a hostile one, thousands. */
const MAX_CARRIERS = 50;

/** Tokens in header lines (`Name: value`), and in header-shaped lines of a notice's quoted copy. */
export function tokensIn(lines: string, into: Set<string>): void {
  let searched = 0;
  for (const carrier of lines.matchAll(CARRIERS)) {
    if (++searched > MAX_CARRIERS) return;
    for (const verp of (carrier[1] ?? '').slice(0, MAX_CARRIER).matchAll(VERP)) {
      if (into.size >= MAX_TOKENS) return;
      if (verp[1]) into.add(verp[1]);
    }
  }
}
