import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Its own label in the MAC: a click signature can never be taken for (or made from) another signed
 * value of the same key, such as an unsubscribe token (src/dispatch/tokens.ts).
 */
const LABEL = 'bulletin-click-v1';

/** 128 bits of HMAC-SHA256: far past guessing, short enough for a link in a text email. */
const SIGNATURE_BYTES = 16;

/**
 * A link's id in an issue: from its target alone, so every send of the issue (to each list, resumed
 * or repeated) gives a target the same id, and two targets never share one in practice.
 */
export function linkIdFor(target: string): string {
  return createHash('sha256').update(target).digest('hex').slice(0, 10);
}

export function clickSignature(secret: string, issue: string, linkId: string, target: string): string {
  return createHmac('sha256', secret)
    .update(`${LABEL}\n${issue}\n${linkId}\n${target}`)
    .digest()
    .subarray(0, SIGNATURE_BYTES)
    .toString('base64url');
}

/** In constant time, against the current key and any previous one (a rotation keeps sent links working). */
export function clickSignatureValid(
  secrets: readonly string[],
  issue: string,
  linkId: string,
  target: string,
  given: string,
): boolean {
  const received = Buffer.from(given, 'base64url');
  if (received.length !== SIGNATURE_BYTES || received.toString('base64url') !== given) return false;
  return secrets.some((secret) =>
    timingSafeEqual(Buffer.from(clickSignature(secret, issue, linkId, target), 'base64url'), received),
  );
}
