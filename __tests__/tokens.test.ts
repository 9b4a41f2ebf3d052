import { signToken, verifyToken } from '../src/dispatch/tokens.js';

/** SpamAssassin 4's __BITCOIN_ID body rule, as 72_active.cf writes it (Perl and JS agree on it). */
const SPAMASSASSIN_BITCOIN_ID =
  /\b(?<!=)(?:[13](?:(?:[-_=\s][a-km-zA-HJ-NP-Z1-9]){29,34}|[a-km-zA-HJ-NP-Z1-9]{29,34})|bc1[acdefghjklmnpqrstuvwxyz234567890]{30,90}|b[-_=\s]c[-_=\s]1(?:[-_=\s][acdefghjklmnpqrstuvwxyz234567890]){30,90})\b/;

test('no link token looks like a Bitcoin address to SpamAssassin, and a sample of them verifies', () => {
  const start = 1_796_166_930;
  const seconds = 20_000;
  const shaped: string[] = [];
  for (let issuedAt = start; issuedAt < start + seconds; issuedAt++) {
    const payload = {
      purpose: 'unsubscribe' as const,
      email: 'ann.smith@example.org',
      list: 'weekly',
      issuedAt,
    };
    const token = signToken('spam-test-secret', payload);
    // A token stands after "=" in a query and after "/" in a path: the rule must miss it in both.
    if (SPAMASSASSIN_BITCOIN_ID.test(`/${token}`)) shaped.push(token);
    if (issuedAt % 97 !== 0) continue;
    const verified = verifyToken(['spam-test-secret'], token, 'unsubscribe', 86_400, issuedAt);
    expect(verified).toMatchObject({ ok: true, payload: { email: payload.email, list: 'weekly' } });
    if (verified.ok) expect(issuedAt - verified.payload.issuedAt).toBeLessThan(5);
  }
  expect(shaped).toEqual([]);
}, 120_000);

test('the rule as written here finds a real Bitcoin address, so the test above can fail', () => {
  expect(SPAMASSASSIN_BITCOIN_ID.test('pay to 1BoatSLRHtKNngkdXEeobR76b53LETtpyT today')).toBe(true);
  expect(SPAMASSASSIN_BITCOIN_ID.test('token=1BoatSLRHtKNngkdXEeobR76b53LETtpyT')).toBe(false);
});
