import { BOUNCE_LOCAL_PART_MAX } from '../src/content/schema.js';
import {
  MAX_BOUNCE_LOCAL_PART,
  MAX_LOCAL_PART,
  readVerpToken,
  verpAddress,
  verpToken,
} from '../src/dispatch/verp.js';

const SECRET = 'verp-test-secret-verp-test-secret';
const LISTS = ['weekly', 'leaders'];
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const ref = { issue: '2026-03-02', list: 'weekly', subscriberId: 4711 };

const tokenOf = (address: string) => /^[^+]+\+([^@]+)@/.exec(address)![1]!;

test('a VERP address carries a short lower-case token that reads back as its issue, list and subscriber', () => {
  const address = verpAddress('bounces@Example.org', SECRET, ref);
  expect(address).toMatch(/^bounces\+[a-z2-7]{16,40}@Example\.org$/);
  expect(readVerpToken([SECRET], tokenOf(address), LISTS)).toEqual({ ok: true, ref });
  for (const other of [
    { issue: '1970-01-01', list: 'leaders', subscriberId: 1 },
    { issue: '2099-12-31', list: 'leaders', subscriberId: 127 },
    { issue: '2026-02-28', list: 'weekly', subscriberId: 128 },
    { issue: '2026-02-28', list: 'weekly', subscriberId: Number.MAX_SAFE_INTEGER },
  ])
    expect(readVerpToken([SECRET], verpToken(SECRET, other), LISTS)).toEqual({ ok: true, ref: other });
});

test('changing any one character of a token, to any other, is refused', () => {
  const token = verpToken(SECRET, ref);
  let tried = 0;
  for (let i = 0; i < token.length; i++) {
    for (const char of ALPHABET) {
      if (char === token[i]) continue;
      const tampered = `${token.slice(0, i)}${char}${token.slice(i + 1)}`;
      expect({ tampered, reading: readVerpToken([SECRET], tampered, LISTS).ok }).toEqual({
        tampered,
        reading: false,
      });
      tried++;
    }
  }
  expect(tried).toBe(token.length * 31);
  // Cut short, lengthened, or not base32 at all.
  for (const bad of [token.slice(0, -1), `${token}a`, `${token.slice(1)}`, '', 'a', `${token.slice(0, -1)}1`])
    expect(readVerpToken([SECRET], bad, LISTS).ok).toBe(false);
});

test('a token signed with another secret, or for a list not configured, is refused as forged', () => {
  expect(readVerpToken([SECRET], verpToken('someone-else-secret', ref), LISTS)).toEqual({
    ok: false,
    reason: 'forged',
  });
  expect(readVerpToken([SECRET], verpToken(SECRET, ref), ['leaders'])).toEqual({
    ok: false,
    reason: 'forged',
  });
  expect(readVerpToken([SECRET], 'not+base32!', LISTS)).toEqual({ ok: false, reason: 'malformed' });
});

test('after a key rotation, tokens signed with the previous secret are still read', () => {
  const old = verpToken('the-previous-secret', ref);
  expect(readVerpToken([SECRET, 'the-previous-secret'], old, LISTS)).toEqual({ ok: true, ref });
  expect(readVerpToken([SECRET], old, LISTS).ok).toBe(false);
});

test('the local part stays within 64 octets for a long list id and the largest subscriber id', () => {
  const longList = `a${'-b'.repeat(60)}`;
  const big = { issue: '2999-12-31', list: longList, subscriberId: Number.MAX_SAFE_INTEGER };
  for (const local of ['bounces', 'b'.repeat(MAX_BOUNCE_LOCAL_PART)]) {
    const address = verpAddress(`${local}@bounces.example.org`, SECRET, big);
    const localPart = address.slice(0, address.lastIndexOf('@'));
    expect(Buffer.byteLength(localPart)).toBeLessThanOrEqual(MAX_LOCAL_PART);
    expect(readVerpToken([SECRET], tokenOf(address), ['weekly', longList])).toEqual({ ok: true, ref: big });
  }
  // A bounce address whose local part leaves no room is refused, never cut.
  expect(() =>
    verpAddress(`${'b'.repeat(MAX_BOUNCE_LOCAL_PART + 1)}@example.org`, SECRET, {
      ...big,
      subscriberId: Number.MAX_SAFE_INTEGER,
    }),
  ).toThrow(/at most \d+ characters/);
  // The config refuses a longer bounce address than this before anything is sent.
  expect(BOUNCE_LOCAL_PART_MAX).toBe(MAX_BOUNCE_LOCAL_PART);
  // Usual ids make a token well under the limit.
  expect(verpToken(SECRET, ref).length).toBeLessThanOrEqual(28);
});

test('a token an MTA upper-cased on the way back is still read', () => {
  const token = verpToken(SECRET, ref);
  expect(readVerpToken([SECRET], token.toUpperCase(), LISTS)).toEqual({ ok: true, ref });
  expect(readVerpToken([SECRET], `${token.slice(0, 5).toUpperCase()}${token.slice(5)}`, LISTS)).toEqual({
    ok: true,
    ref,
  });
});

test('a reference that is not an issue date or a subscriber id makes no token', () => {
  expect(() => verpToken(SECRET, { ...ref, issue: '2026-02-30' })).toThrow(/not an issue date/);
  expect(() => verpToken(SECRET, { ...ref, subscriberId: 0 })).toThrow(/not a subscriber id/);
  expect(() => verpToken(SECRET, { ...ref, subscriberId: 1.5 })).toThrow(/not a subscriber id/);
});
