import { verify, X509Certificate, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { WebhookRefusal } from './common.js';

/**
 * Amazon SNS's HTTP(S) delivery: the JSON envelope, its signature (SignatureVersion 1 is SHA1 with
 * RSA, 2 is SHA256 with RSA) checked with the certificate at SigningCertURL, and that URL held to
 * Amazon's own hosts (`https://sns.<region>.amazonaws.com/`), the same for SubscribeURL.
 */
export const snsEnvelope = z.object({
  Type: z.enum(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']),
  MessageId: z.string().min(1).max(200),
  TopicArn: z.string().min(1).max(300),
  Subject: z.string().max(1000).optional(),
  Message: z.string(),
  Timestamp: z.string().max(40),
  // Checked apart from the shape: a message without them is unsigned (403), not unreadable (400).
  SignatureVersion: z.string().max(10).optional(),
  Signature: z.string().max(4096).optional(),
  SigningCertURL: z.string().max(2048).optional(),
  SubscribeURL: z.string().max(4096).optional(),
  Token: z.string().max(4096).optional(),
});
export type SnsEnvelope = z.infer<typeof snsEnvelope>;

/** The fields SNS signs, in its order, each as `name\nvalue\n`; Subject only when present. */
export function snsStringToSign(message: SnsEnvelope): string {
  const fields =
    message.Type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  let text = '';
  for (const field of fields) {
    const value = message[field as keyof SnsEnvelope];
    if (value === undefined) {
      if (field === 'Subject') continue;
      throw new WebhookRefusal(400, `the SNS message has no ${field}`);
    }
    text += `${field}\n${value}\n`;
  }
  return text;
}

/**
 * A region's SNS host (us-east-1, eu-west-2, us-gov-west-1, cn-north-1): not any name under
 * amazonaws.com, some of which (legacy S3 hosts, `sns.s3-us-west-2...`) serve anyone's bucket.
 */
const SNS_HOST = /^sns\.[a-z]{2}(?:-[a-z]+)+-\d\.amazonaws\.com(\.cn)?$/;
/** The path SNS signs its certificates under. */
export const SNS_CERT_PATH = /^\/SimpleNotificationService-[0-9a-z]+\.pem$/;

/**
 * Whether SNS may make us fetch `url`: https on Amazon's SNS hosts, nothing else (no user, no other
 * port), or the one local origin a test names (`testOrigin`, http://127.0.0.1:<port>).
 */
export function allowedSnsUrl(url: string, testOrigin: string | undefined): URL | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    if (error instanceof TypeError) return undefined;
    throw error;
  }
  if (parsed.username || parsed.password) return undefined;
  if (testOrigin !== undefined && parsed.origin === testOrigin) return parsed;
  return parsed.protocol === 'https:' && parsed.port === '' && SNS_HOST.test(parsed.hostname)
    ? parsed
    : undefined;
}

/** The test-only origin, when set: exactly http://127.0.0.1:<port>, or the service refuses to start. */
export function snsTestOrigin(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (!/^http:\/\/127\.0\.0\.1:\d{1,5}$/.test(value))
    throw new Error(`it must be http://127.0.0.1:<port> (for tests only), not "${value}"`);
  return value;
}

const FETCH_TIMEOUT_MS = 5000;
const MAX_CERTIFICATE_BYTES = 16 * 1024;
const MAX_CACHED = 20;

/**
 * SNS signing certificates, fetched once per URL (Amazon rotates them rarely) and kept while valid.
 * A certificate that cannot be fetched or read refuses the request (SNS retries later).
 */
export class SnsCertificates {
  private readonly cache = new Map<string, X509Certificate>();

  async publicKey(url: URL, now: number): Promise<KeyObject> {
    let certificate = this.cache.get(url.href);
    if (!certificate) {
      certificate = await fetchCertificate(url);
      if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(url.href, certificate);
    }
    // Written so that a date that does not parse (NaN) refuses too.
    if (!(now >= Date.parse(certificate.validFrom) && now <= Date.parse(certificate.validTo))) {
      this.cache.delete(url.href);
      throw new WebhookRefusal(403, 'the SNS signing certificate is not valid now');
    }
    return certificate.publicKey;
  }
}

async function fetchCertificate(url: URL): Promise<X509Certificate> {
  let pem: string;
  try {
    const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const bytes = Buffer.from(await response.arrayBuffer());
    if (bytes.length > MAX_CERTIFICATE_BYTES) throw new Error('larger than a certificate');
    pem = bytes.toString('utf8');
  } catch (error) {
    throw new WebhookRefusal(
      403,
      `the SNS signing certificate could not be fetched (${(error as Error).message})`,
    );
  }
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw new WebhookRefusal(
      403,
      `the SNS signing certificate is not a certificate (${(error as Error).message})`,
    );
  }
}

/** The signature over the envelope, with the certificate's key; a 403 when it does not hold. */
export function checkSnsSignature(message: SnsEnvelope, key: KeyObject): void {
  const algorithm = message.SignatureVersion === '1' ? 'sha1' : 'sha256';
  const signature = Buffer.from(message.Signature ?? '', 'base64');
  let valid: boolean;
  try {
    valid = verify(algorithm, Buffer.from(snsStringToSign(message), 'utf8'), key, signature);
  } catch (error) {
    // A key of the wrong kind, or a signature of the wrong size: not a signature of this message.
    if (error instanceof WebhookRefusal) throw error;
    valid = false;
  }
  if (!valid) throw new WebhookRefusal(403, 'the SNS signature does not match');
}

/** Confirms a subscription by GET of its SubscribeURL (already held to Amazon's hosts). */
export async function confirmSubscription(url: URL): Promise<void> {
  const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`the SNS subscription confirmation answered HTTP ${response.status}`);
}
