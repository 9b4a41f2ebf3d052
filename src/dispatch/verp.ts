import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a bounce address names: the message of one issue, to one list, for one subscriber. */
export interface VerpRef {
  /** The issue date, YYYY-MM-DD. */
  issue: string;
  list: string;
  /** The subscriber's id in the database (`SubscriberStore.idOf`). */
  subscriberId: number;
}

export type VerpReading = { ok: true; ref: VerpRef } | { ok: false; reason: 'malformed' | 'forged' };

/** RFC 5321 4.5.3.1.1: a local part is at most 64 octets; longer ones are refused by some servers. */
export const MAX_LOCAL_PART = 64;
/**
 * 80 bits: a forger gets one guess per bounce they mail us, so this is far beyond reach, and it keeps the
 * token short enough for a local part.
 */
const MAC_BYTES = 10;
/** RFC 4648 base32 in lower case: one case only, because some MTAs lower-case local parts on the way back. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
/** Days since 1970 as a varint of at most 3 bytes: issue dates up to the year 7711. */
const MAX_DAYS = 2 ** 21 - 1;
const MAX_PAYLOAD_BYTES = 3 + varint(Number.MAX_SAFE_INTEGER).length;
/** The longest token any issue and subscriber id can make. */
export const MAX_TOKEN_LENGTH = Math.ceil(((MAX_PAYLOAD_BYTES + MAC_BYTES) * 8) / 5);
/** The longest bounce-address local part that leaves room for `+TOKEN` within 64 octets. */
export const MAX_BOUNCE_LOCAL_PART = MAX_LOCAL_PART - 1 - MAX_TOKEN_LENGTH;
const DAY_MS = 86_400_000;

/**
 * The envelope sender of one message: `local+TOKEN@domain`, the token holding the issue date and the
 * subscriber id in the clear and an HMAC over them and the list (which is not carried: the reader
 * tries each configured list, so a long list id costs nothing here). Never longer than 64 octets
 * before the `@` for a bounce address whose local part is at most MAX_BOUNCE_LOCAL_PART.
 */
export function verpAddress(bounceAddress: string, secret: string, ref: VerpRef): string {
  const at = bounceAddress.lastIndexOf('@');
  const local = bounceAddress.slice(0, at);
  const withToken = `${local}+${verpToken(secret, ref)}`;
  if (at < 1 || Buffer.byteLength(withToken) > MAX_LOCAL_PART)
    throw new RangeError(
      `The bounce address "${bounceAddress}" leaves no room for its token: its local part may be at most ` +
        `${MAX_BOUNCE_LOCAL_PART} characters.`,
    );
  return `${withToken}${bounceAddress.slice(at)}`;
}

/** The `+TOKEN` part alone. */
export function verpToken(secret: string, ref: VerpRef): string {
  const days = daysOf(ref.issue);
  if (days === undefined) throw new RangeError(`"${ref.issue}" is not an issue date (YYYY-MM-DD)`);
  if (!Number.isSafeInteger(ref.subscriberId) || ref.subscriberId < 1)
    throw new RangeError(`${ref.subscriberId} is not a subscriber id`);
  const payload = Buffer.from([...varint(days), ...varint(ref.subscriberId)]);
  return base32(Buffer.concat([payload, mac(secret, ref)]));
}

/**
 * What a token says, if one of `secrets` signed it (the current one, or one from before a rotation) for
 * one of `lists`. Upper case is read as lower case. Only the one spelling we write is accepted, so a
 * changed character never reads as the same token.
 */
export function readVerpToken(
  secrets: readonly string[],
  token: string,
  lists: readonly string[],
): VerpReading {
  const text = token.toLowerCase();
  if (text.length > MAX_TOKEN_LENGTH || !/^[a-z2-7]+$/.test(text)) return { ok: false, reason: 'malformed' };
  const bytes = unbase32(text);
  if (!bytes || bytes.length <= MAC_BYTES) return { ok: false, reason: 'malformed' };
  const given = bytes.subarray(bytes.length - MAC_BYTES);
  const fields = readPayload(bytes.subarray(0, bytes.length - MAC_BYTES));
  if (!fields) return { ok: false, reason: 'malformed' };
  const issue = new Date(fields.days * DAY_MS).toISOString().slice(0, 10);
  for (const list of lists) {
    const ref = { issue, list, subscriberId: fields.id };
    if (secrets.some((secret) => timingSafeEqual(mac(secret, ref), given))) return { ok: true, ref };
  }
  return { ok: false, reason: 'forged' };
}

function mac(secret: string, ref: VerpRef): Buffer {
  // Its own label: a VERP MAC can never be taken for a link token's, though both use BULLETIN_SECRET.
  return createHmac('sha256', secret)
    .update(`bulletin-verp-1\0${ref.issue}\0${ref.list}\0${ref.subscriberId}`)
    .digest()
    .subarray(0, MAC_BYTES);
}

function daysOf(issue: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(issue)) return undefined;
  const ms = Date.parse(`${issue}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== issue) return undefined;
  const days = ms / DAY_MS;
  return days >= 0 && days <= MAX_DAYS ? days : undefined;
}

/** The two varints of a payload, if it is exactly them, each in its shortest form. */
function readPayload(payload: Buffer): { days: number; id: number } | undefined {
  const days = readVarint(payload, 0);
  const id = days && readVarint(payload, days.next);
  if (!days || !id || id.next !== payload.length) return undefined;
  if (days.value > MAX_DAYS || id.value < 1 || !Number.isSafeInteger(id.value)) return undefined;
  // The shortest form only: otherwise padding bytes would give one reference many tokens.
  if (!Buffer.from([...varint(days.value), ...varint(id.value)]).equals(payload)) return undefined;
  return { days: days.value, id: id.value };
}

/** Unsigned LEB128: small ids make short tokens. Arithmetic, not bit operators, past 32 bits. */
function varint(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) + 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return out;
}

function readVarint(bytes: Buffer, start: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = start; i < bytes.length && i < start + 8; i++) {
    const byte = bytes[i]!;
    value += (byte % 0x80) * scale;
    if (byte < 0x80) return { value, next: i + 1 };
    scale *= 0x80;
  }
  return undefined;
}

/** RFC 4648 base32, lower case, unpadded. A dozen lines: not worth a dependency. */
function base32(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let buffer = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** The bytes of canonical base32, or undefined (spare bits set, or a length no byte string has). */
function unbase32(text: string): Buffer | undefined {
  const out: number[] = [];
  let bits = 0;
  let buffer = 0;
  for (const char of text) {
    buffer = (buffer << 5) | ALPHABET.indexOf(char);
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
    buffer &= (1 << bits) - 1;
  }
  const bytes = Buffer.from(out);
  return base32(bytes) === text ? bytes : undefined;
}
