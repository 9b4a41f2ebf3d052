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
const VERP = /[a-z0-9._-]+\+([a-z0-9=_-]+)@[a-z0-9.-]+/gi;
const MAX_TOKENS = 20;
const MAX_CARRIER = 2000;

/** Tokens in header lines (`Name: value`), and in header-shaped lines of a notice's quoted copy. */
export function tokensIn(lines: string, into: Set<string>): void {
  for (const carrier of lines.matchAll(CARRIERS)) {
    // Searched as far as a real header reaches: VERP backtracks badly over a hostile megabyte.
    for (const verp of (carrier[1] ?? '').slice(0, MAX_CARRIER).matchAll(VERP)) {
      if (into.size >= MAX_TOKENS) return;
      if (verp[1]) into.add(verp[1]);
    }
  }
}
