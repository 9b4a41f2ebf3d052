import { createHmac, timingSafeEqual } from 'node:crypto';

export type TokenPurpose = 'unsubscribe' | 'confirm' | 'preferences';

export interface TokenPayload {
  purpose: TokenPurpose;
  email: string;
  list: string;
  /** Seconds since the epoch. */
  issuedAt: number;
  /** Binds a single-use link to its row (a confirmation). */
  nonce?: string;
}

/**
 * A signed token for links in mail: the payload in the clear (base64url JSON) and an HMAC-SHA256
 * over it. Hand-written because it is a dozen lines over node:crypto, and a JWT library would add
 * algorithm negotiation we must then turn off.
 */
export function signToken(secret: string, payload: TokenPayload): string {
  // Stepping back a second changes the whole signature; a year-long link loses nothing by it.
  for (let issuedAt = payload.issuedAt; ; issuedAt -= 1) {
    const token = signOnce(secret, { ...payload, issuedAt });
    if (!BITCOIN_ADDRESS_SHAPE.test(token)) return token;
  }
}

/**
 * SpamAssassin's __BITCOIN_ID body rule (72_active.cf) adds a point to a message holding a run of
 * 30 to 35 base58 characters that starts with 1 or 3 at a word boundary, or "bc1" and 30 or more
 * lower-case characters. A random base64url signature has that shape in a few of every ten
 * thousand tokens, and then a subscriber's bulletin scores as spam; such a token is never issued.
 */
const BITCOIN_ADDRESS_SHAPE = /\b(?:[13][a-km-zA-HJ-NP-Z1-9]{29,34}|bc1[ac-hj-np-z02-9]{30,90})\b/;

function signOnce(secret: string, payload: TokenPayload): string {
  const fields = [
    payload.purpose,
    payload.email,
    payload.list,
    payload.issuedAt,
    ...(payload.nonce ? [payload.nonce] : []),
  ];
  const body = Buffer.from(JSON.stringify(fields)).toString('base64url');
  return `${body}.${mac(secret, body)}`;
}

export type VerifyResult =
  | { ok: true; payload: TokenPayload }
  | { ok: false; reason: 'malformed' | 'forged' | 'wrong-purpose' | 'expired' };

/**
 * Checks a token against the current secret and any previous ones (a key rotation keeps old links
 * working), in constant time, for the purpose it was made for and within its age.
 */
export function verifyToken(
  secrets: readonly string[],
  token: string,
  purpose: TokenPurpose,
  maxAgeSeconds: number,
  now = Date.now() / 1000,
): VerifyResult {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) return { ok: false, reason: 'malformed' };
  const given = strictBase64url(signature);
  if (!given || !strictBase64url(body)) return { ok: false, reason: 'malformed' };
  const valid = secrets.some((secret) => {
    const expected = Buffer.from(mac(secret, body), 'base64url');
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  if (!valid) return { ok: false, reason: 'forged' };
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch (error) {
    if (error instanceof SyntaxError) return { ok: false, reason: 'malformed' };
    throw error;
  }
  if (!Array.isArray(fields) || (fields.length !== 4 && fields.length !== 5))
    return { ok: false, reason: 'malformed' };
  const [tokenPurpose, email, list, issuedAt, nonce] = fields as [
    TokenPurpose,
    string,
    string,
    number,
    string | undefined,
  ];
  if (
    typeof email !== 'string' ||
    typeof list !== 'string' ||
    (nonce !== undefined && typeof nonce !== 'string')
  )
    return { ok: false, reason: 'malformed' };
  if (tokenPurpose !== purpose) return { ok: false, reason: 'wrong-purpose' };
  if (typeof issuedAt !== 'number' || now - issuedAt > maxAgeSeconds || issuedAt - now > 300)
    return { ok: false, reason: 'expired' };
  return { ok: true, payload: { purpose: tokenPurpose, email, list, issuedAt, ...(nonce ? { nonce } : {}) } };
}

/**
 * The bytes of canonical base64url, or undefined: Buffer.from(.., 'base64url') skips characters
 * it does not know, takes '=', '+' and '/', and ignores the spare bits of the last character, so
 * many spellings would decode to the same signature. Only the one spelling we write is accepted.
 */
function strictBase64url(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

function mac(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url');
}
