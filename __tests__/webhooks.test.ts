import { execFileSync } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BounceEvent } from '../src/bounces/report.js';
import { webhookProviders } from '../src/bounces/webhooks/index.js';
import { mailgunEvents } from '../src/bounces/webhooks/mailgun.js';
import { allowedSnsUrl, SNS_CERT_PATH } from '../src/bounces/webhooks/sns.js';
import { postmarkEvents } from '../src/bounces/webhooks/postmark.js';
import { sendgridEvents } from '../src/bounces/webhooks/sendgrid.js';
import { sesEvents } from '../src/bounces/webhooks/ses.js';
import { removeArchive, startService, type TestService } from './helpers/service.js';

/**
 * Provider webhooks over real HTTP against the real service, each request signed as the provider
 * signs it: SNS with an RSA key and a self-signed certificate served from 127.0.0.1 (the test-only
 * origin), SendGrid with an ECDSA P-256 key, Mailgun with an HMAC key, Postmark with basic auth.
 */
const TOPIC = 'arn:aws:sns:eu-west-2:123456789012:bulletin-bounces';
const POSTMARK = { user: 'postmark-hook', password: 'pm-password-never-logged' };
const MAILGUN_KEY = 'mailgun-signing-key-never-logged';

let dir: string;
let snsKey: KeyObject;
let localCa: Server;
let localOrigin: string;
const confirmations: string[] = [];
const sendgrid = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const sendgridPublicKey = sendgrid.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');

let service: TestService;
const received: BounceEvent[] = [];
/** Set to make the next onEvents fail, as a database that is down would. */
let failNext = false;
const env = () => ({
  BULLETIN_TEST_SNS_ORIGIN: localOrigin,
  BULLETIN_POSTMARK_WEBHOOK_USER: POSTMARK.user,
  BULLETIN_POSTMARK_WEBHOOK_PASSWORD: POSTMARK.password,
  BULLETIN_MAILGUN_SIGNING_KEY: MAILGUN_KEY,
  BULLETIN_SENDGRID_PUBLIC_KEY: sendgridPublicKey,
});
const allOn = (config: TestService['config']) => {
  config.dispatch.bounces.webhooks = { sesTopics: [TOPIC], postmark: true, mailgun: true, sendgrid: true };
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bulletin-webhooks-'));
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=sns.amazonaws.com'].concat([
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ]),
    { stdio: 'ignore' },
  );
  const { createPrivateKey } = await import('node:crypto');
  snsKey = createPrivateKey(readFileSync(join(dir, 'key.pem')));
  const certificate = readFileSync(join(dir, 'cert.pem'));
  // Stands in for sns.<region>.amazonaws.com: the certificate, and the SubscribeURL.
  localCa = createServer((request, response) => {
    if (request.url === '/SimpleNotificationService-test.pem') return response.end(certificate);
    if (request.url?.startsWith('/confirm?')) {
      confirmations.push(request.url);
      return response.end('<ConfirmSubscriptionResponse/>');
    }
    response.statusCode = 404;
    response.end();
  });
  await new Promise<void>((resolve) => localCa.listen(0, '127.0.0.1', resolve));
  localOrigin = `http://127.0.0.1:${(localCa.address() as { port: number }).port}`;
  service = await startService(allOn, {
    webhooks: (config) => ({
      providers: webhookProviders(config, env()),
      onEvents: async (events) => {
        if (failNext) {
          failNext = false;
          throw new Error('the database is down');
        }
        received.push(...events);
      },
    }),
  });
});
afterAll(async () => {
  await service?.close();
  await new Promise((resolve) => localCa?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
  removeArchive();
});
beforeEach(() => {
  received.length = 0;
  confirmations.length = 0;
});

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${service.origin}${path}`, { method: 'POST', body, headers });

// --- Amazon SES through SNS ---

interface SnsFields {
  Type: 'Notification' | 'SubscriptionConfirmation';
  Message: string;
  TopicArn?: string;
  Timestamp?: string;
  MessageId?: string;
  SubscribeURL?: string;
  Token?: string;
}

/** An SNS HTTP delivery, signed as SNS signs it (the fields in order, `name\nvalue\n` each). */
function snsBody(
  fields: SnsFields,
  options: { version?: '1' | '2'; key?: KeyObject; certUrl?: string } = {},
) {
  const message: Record<string, string> = {
    Type: fields.Type,
    MessageId: fields.MessageId ?? randomUUID(),
    TopicArn: fields.TopicArn ?? TOPIC,
    Message: fields.Message,
    Timestamp: fields.Timestamp ?? new Date().toISOString(),
    SignatureVersion: options.version ?? '1',
    SigningCertURL: options.certUrl ?? `${localOrigin}/SimpleNotificationService-test.pem`,
    ...(fields.SubscribeURL ? { SubscribeURL: fields.SubscribeURL, Token: fields.Token ?? 'token' } : {}),
  };
  const order =
    fields.Type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  const text = order
    .filter((name) => message[name] !== undefined)
    .map((name) => `${name}\n${message[name]}\n`)
    .join('');
  const algorithm = message.SignatureVersion === '1' ? 'sha1' : 'sha256';
  message.Signature = sign(algorithm, Buffer.from(text), options.key ?? snsKey).toString('base64');
  return JSON.stringify(message);
}

const sesMail = {
  timestamp: '2026-12-01T09:00:00.000Z',
  source: 'bounces+abcdefgh@example.org',
  messageId: '0100018c1e5b7d2f-aaaa-bbbb-cccc-000000000000-000000',
  destination: ['gone@example.org'],
  headersTruncated: false,
  headers: [{ name: 'Feedback-ID', value: '2026-12-01:weekly:wyhp:bulletin' }],
};
const sesBounce = JSON.stringify({
  notificationType: 'Bounce',
  bounce: {
    bounceType: 'Permanent',
    bounceSubType: 'General',
    bouncedRecipients: [
      {
        emailAddress: 'Gone@Example.org',
        action: 'failed',
        status: '5.1.1',
        diagnosticCode: 'smtp; 550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown',
      },
    ],
    timestamp: '2026-12-01T09:00:05.000Z',
    feedbackId: '0100018c1e5b8a11-feedback-000000',
    reportingMTA: 'dns; a8-12.smtp-out.amazonses.com',
  },
  mail: sesMail,
});
const sesComplaint = JSON.stringify({
  notificationType: 'Complaint',
  complaint: {
    userAgent: 'Yahoo!-Mail-Feedback/2.0',
    complainedRecipients: [{ emailAddress: 'angry@example.org' }],
    complaintFeedbackType: 'abuse',
    arrivalDate: '2026-12-01T10:00:00.000Z',
    timestamp: '2026-12-01T10:00:01.000Z',
    feedbackId: '0100018c1e5b8a11-complaint-000000',
  },
  mail: { ...sesMail, destination: ['angry@example.org'] },
});
const snsPost = (body: string) =>
  post('/webhooks/ses', body, { 'content-type': 'text/plain; charset=UTF-8' });

describe('Amazon SES through SNS', () => {
  test('a signed bounce (SignatureVersion 1) and complaint (2) become events; the send comes from Feedback-ID', async () => {
    const bounce = await snsPost(snsBody({ Type: 'Notification', Message: sesBounce }, { version: '1' }));
    expect(bounce.status).toBe(200);
    const complaint = await snsPost(
      snsBody({ Type: 'Notification', Message: sesComplaint }, { version: '2' }),
    );
    expect(complaint.status).toBe(200);
    expect(received).toEqual([
      {
        source: 'ses',
        sourceId: sesMail.messageId,
        address: 'gone@example.org',
        verdict: 'hard',
        status: '5.1.1',
        diagnostic: 'smtp; 550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown',
        issue: '2026-12-01',
        list: 'weekly',
        at: '2026-12-01T09:00:05.000Z',
      },
      {
        source: 'ses',
        sourceId: sesMail.messageId,
        address: 'angry@example.org',
        verdict: 'complaint',
        diagnostic: 'abuse',
        issue: '2026-12-01',
        list: 'weekly',
        at: '2026-12-01T10:00:01.000Z',
      },
    ]);
  });

  test('a tampered message, a wrong key, an old timestamp, another topic or certificate host are refused', async () => {
    const valid = JSON.parse(snsBody({ Type: 'Notification', Message: sesBounce })) as Record<string, string>;
    const tampered = { ...valid, Message: sesBounce.replace('gone@example.org', 'someone-else@example.org') };
    const refusedTampered = await snsPost(JSON.stringify(tampered));
    expect(refusedTampered.status).toBe(403);
    expect(await refusedTampered.json()).toEqual({ error: 'the SNS signature does not match' });
    const { privateKey: otherKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(
      (await snsPost(snsBody({ Type: 'Notification', Message: sesBounce }, { key: otherKey }))).status,
    ).toBe(403);
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000).toISOString();
    const old = await snsPost(snsBody({ Type: 'Notification', Message: sesBounce, Timestamp: twoHoursAgo }));
    expect(old.status).toBe(403);
    expect(await old.json()).toEqual({ error: 'the timestamp is too old (a replay?)' });
    const otherTopic = 'arn:aws:sns:eu-west-2:999999999999:someone-elses';
    expect(
      (await snsPost(snsBody({ Type: 'Notification', Message: sesBounce, TopicArn: otherTopic }))).status,
    ).toBe(403);
    for (const certUrl of [
      'https://sns.eu-west-2.amazonaws.com.evil.example/cert.pem',
      'http://sns.eu-west-2.amazonaws.com/cert.pem',
      'https://evil.example/SimpleNotificationService.pem',
      // A legacy S3 host (anyone's bucket named sns), and Amazon's host with another path.
      'https://sns.s3-us-west-2.amazonaws.com/SimpleNotificationService-abc123.pem',
      'https://sns.eu-west-2.amazonaws.com/bucket/anything.pem',
      `${localOrigin}/uploads/SimpleNotificationService-test.pem`,
      `http://127.0.0.2:${new URL(localOrigin).port}/SimpleNotificationService-test.pem`,
    ]) {
      const answer = await snsPost(snsBody({ Type: 'Notification', Message: sesBounce }, { certUrl }));
      expect([certUrl, answer.status]).toEqual([certUrl, 403]);
    }
    const unsigned = { ...valid, Signature: undefined };
    expect((await snsPost(JSON.stringify(unsigned))).status).toBe(403);
    expect((await snsPost(JSON.stringify({ ...valid, SignatureVersion: '3' }))).status).toBe(403);
    expect((await snsPost(JSON.stringify({ ...valid, Type: 'Something' }))).status).toBe(400);
    expect((await snsPost('{"Type": "Notification", ')).status).toBe(400);
    expect(received).toEqual([]);
  });

  test('the same message again is a replay: refused with 409, nothing recorded twice', async () => {
    const body = snsBody({ Type: 'Notification', Message: sesBounce }, { version: '2' });
    expect((await snsPost(body)).status).toBe(200);
    const again = await snsPost(body);
    expect(again.status).toBe(409);
    expect(received).toHaveLength(1);
  });

  test('a subscription to an allowed topic is confirmed by GET of SubscribeURL; to another topic, refused', async () => {
    const subscribeUrl = `${localOrigin}/confirm?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=abc`;
    const allowed = await snsPost(
      snsBody({
        Type: 'SubscriptionConfirmation',
        Message: 'You have chosen to subscribe',
        SubscribeURL: subscribeUrl,
      }),
    );
    expect(allowed.status).toBe(200);
    expect(confirmations).toEqual([subscribeUrl.replace(localOrigin, '')]);

    const otherTopic = 'arn:aws:sns:eu-west-2:999999999999:someone-elses';
    const refused = await snsPost(
      snsBody({
        Type: 'SubscriptionConfirmation',
        Message: 'You have chosen to subscribe',
        TopicArn: otherTopic,
        SubscribeURL: `${localOrigin}/confirm?Action=ConfirmSubscription&TopicArn=${otherTopic}&Token=abc`,
      }),
    );
    expect(refused.status).toBe(403);
    // A SubscribeURL off Amazon's hosts is never fetched, even in a signed message for our topic.
    const offHost = await snsPost(
      snsBody({
        Type: 'SubscriptionConfirmation',
        Message: 'You have chosen to subscribe',
        SubscribeURL: 'http://169.254.169.254/latest/meta-data/',
      }),
    );
    expect(offHost.status).toBe(403);
    expect(confirmations).toHaveLength(1);
  });
});

// --- Postmark ---

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const postmarkPost = (record: object | string, authorization = basic(POSTMARK.user, POSTMARK.password)) =>
  post('/webhooks/postmark', typeof record === 'string' ? record : JSON.stringify(record), {
    'content-type': 'application/json',
    ...(authorization ? { authorization } : {}),
  });
const postmarkBounce = (overrides: object = {}) => ({
  RecordType: 'Bounce',
  ID: 4323372036854,
  Type: 'HardBounce',
  TypeCode: 1,
  Name: 'Hard bounce',
  Tag: 'bulletin',
  MessageID: '883953f4-6105-42a2-a16a-77a8eac79483',
  ServerID: 23,
  MessageStream: 'outbound',
  Description: 'The server was unable to deliver your message (ex: unknown user, mailbox not found).',
  Details: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
  Email: 'gone@example.org',
  From: 'bulletin@example.org',
  BouncedAt: '2026-12-01T09:00:05.0000000Z',
  DumpAvailable: true,
  Inactive: true,
  CanActivate: true,
  Subject: 'The weekly bulletin',
  ...overrides,
});

describe('Postmark', () => {
  test('a hard bounce, a soft one and a spam complaint with the right credentials become events', async () => {
    expect((await postmarkPost(postmarkBounce())).status).toBe(200);
    const soft = postmarkBounce({
      ID: 2,
      Type: 'SoftBounce',
      TypeCode: 4096,
      Email: 'full@example.org',
      MessageID: 'm-2',
    });
    expect((await postmarkPost(soft)).status).toBe(200);
    const complaint = postmarkBounce({
      RecordType: 'SpamComplaint',
      ID: 3,
      Type: 'SpamComplaint',
      TypeCode: 100001,
      Email: 'angry@example.org',
      MessageID: 'm-3',
    });
    expect((await postmarkPost(complaint)).status).toBe(200);
    expect(received.map((e) => [e.source, e.sourceId, e.address, e.verdict])).toEqual([
      ['postmark', '883953f4-6105-42a2-a16a-77a8eac79483', 'gone@example.org', 'hard'],
      ['postmark', 'm-2', 'full@example.org', 'soft'],
      ['postmark', 'm-3', 'angry@example.org', 'complaint'],
    ]);
    expect(received[0]!.at).toBe('2026-12-01T09:00:05.000Z');
  });

  test('no or wrong credentials are refused with 401 and do nothing; bad JSON is a 400; a replay a 409', async () => {
    const missing = await postmarkPost(postmarkBounce({ ID: 10 }), '');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect((await postmarkPost(postmarkBounce({ ID: 11 }), basic(POSTMARK.user, 'guess'))).status).toBe(401);
    expect((await postmarkPost(postmarkBounce({ ID: 12 }), basic('someone', POSTMARK.password))).status).toBe(
      401,
    );
    expect((await postmarkPost('{"RecordType": "Bounce",')).status).toBe(400);
    expect(received).toEqual([]);
    // The body is read as bytes whatever its content type says, or without one.
    const untyped = await fetch(`${service.origin}/webhooks/postmark`, {
      method: 'POST',
      body: new TextEncoder().encode(JSON.stringify(postmarkBounce({ ID: 14, MessageID: 'm-14' }))),
      headers: { authorization: basic(POSTMARK.user, POSTMARK.password) },
    });
    expect(untyped.status).toBe(200);
    received.length = 0;
    const once = postmarkBounce({ ID: 13, MessageID: 'm-13' });
    expect((await postmarkPost(once)).status).toBe(200);
    expect((await postmarkPost(once)).status).toBe(409);
    expect(received).toHaveLength(1);
  });
});

// --- Mailgun ---

const mailgunSignature = (key = MAILGUN_KEY, timestamp = Math.floor(Date.now() / 1000)) => {
  const token = randomBytes(25).toString('hex');
  const signature = createHmac('sha256', key).update(`${timestamp}${token}`).digest('hex');
  return { token, timestamp: String(timestamp), signature };
};
const mailgunEvent = (overrides: object = {}) => ({
  id: 'G9Bn5sl1TC6nu79C8C0bwg',
  timestamp: 1764579605.123456,
  'log-level': 'error',
  event: 'failed',
  severity: 'permanent',
  reason: 'bounce',
  recipient: 'gone@example.org',
  'recipient-domain': 'example.org',
  'delivery-status': {
    'attempt-no': 1,
    code: 550,
    message: '5.1.1 The email account that you tried to reach does not exist.',
    description: '',
    'session-seconds': 0.4,
  },
  message: { headers: { to: 'gone@example.org', 'message-id': '20261201090000.1.ABCDEF@mg.example.org' } },
  ...overrides,
});
const mailgunPost = (body: object | string) =>
  post('/webhooks/mailgun', typeof body === 'string' ? body : JSON.stringify(body), {
    'content-type': 'application/json',
  });

describe('Mailgun', () => {
  test('a permanent failure and a complaint with a valid signature become events', async () => {
    expect((await mailgunPost({ signature: mailgunSignature(), 'event-data': mailgunEvent() })).status).toBe(
      200,
    );
    const complained = mailgunEvent({
      id: 'complaint-1',
      event: 'complained',
      recipient: 'angry@example.org',
      'delivery-status': undefined,
      message: { headers: { 'message-id': '20261201090000.2.ABCDEF@mg.example.org' } },
    });
    expect((await mailgunPost({ signature: mailgunSignature(), 'event-data': complained })).status).toBe(200);
    expect(received).toEqual([
      {
        source: 'mailgun',
        sourceId: '20261201090000.1.ABCDEF@mg.example.org',
        address: 'gone@example.org',
        verdict: 'hard',
        status: '550',
        diagnostic: '5.1.1 The email account that you tried to reach does not exist.',
        at: new Date(1764579605123.456).toISOString(),
      },
      expect.objectContaining({ source: 'mailgun', address: 'angry@example.org', verdict: 'complaint' }),
    ]);
  });

  test('a tampered signature, a wrong key, an old timestamp and a reused token are refused', async () => {
    const signature = mailgunSignature();
    const tampered = { ...signature, token: randomBytes(25).toString('hex') };
    expect((await mailgunPost({ signature: tampered, 'event-data': mailgunEvent() })).status).toBe(403);
    const wrongKey = mailgunSignature('not-the-signing-key');
    expect((await mailgunPost({ signature: wrongKey, 'event-data': mailgunEvent() })).status).toBe(403);
    const old = mailgunSignature(MAILGUN_KEY, Math.floor(Date.now() / 1000) - 10 * 60);
    expect((await mailgunPost({ signature: old, 'event-data': mailgunEvent() })).status).toBe(403);
    expect((await mailgunPost({ 'event-data': mailgunEvent() })).status).toBe(403);
    expect((await mailgunPost('{"signature": ')).status).toBe(400);
    expect(received).toEqual([]);
    expect((await mailgunPost({ signature, 'event-data': mailgunEvent() })).status).toBe(200);
    // The signature covers only timestamp and token: a replay with another event is still the same token.
    const replay = mailgunEvent({ recipient: 'victim@example.org' });
    expect((await mailgunPost({ signature, 'event-data': replay })).status).toBe(409);
    expect(received.map((e) => e.address)).toEqual(['gone@example.org']);
  });
});

// --- SendGrid ---

const sendgridPost = (
  body: string,
  options: { key?: KeyObject; timestamp?: number; signedBody?: string } = {},
) => {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const signed = Buffer.from(timestamp + (options.signedBody ?? body));
  const signature = sign('sha256', signed, options.key ?? sendgrid.privateKey).toString('base64');
  return post('/webhooks/sendgrid', body, {
    'content-type': 'application/json',
    'x-twilio-email-event-webhook-signature': signature,
    'x-twilio-email-event-webhook-timestamp': timestamp,
  });
};
const sendgridEvent = (overrides: object) => ({
  email: 'gone@example.org',
  timestamp: 1764579605,
  'smtp-id': '<14c5d75ce93.dfd.64b469@ismtpd-555>',
  sg_event_id: randomUUID(),
  sg_message_id: `14c5d75ce93.dfd.64b469.filter0001.${randomBytes(4).toString('hex')}.0`,
  ...overrides,
});

describe('SendGrid', () => {
  test('a signed batch: bounce (hard), blocked (soft), spam report, delivery; deferred and opens carry none', async () => {
    const batch = [
      sendgridEvent({ event: 'bounce', type: 'bounce', status: '5.1.1', reason: '550 5.1.1 User unknown' }),
      sendgridEvent({
        event: 'bounce',
        type: 'blocked',
        email: 'busy@example.org',
        status: '4.7.1',
        reason: '421 try later',
      }),
      sendgridEvent({ event: 'spamreport', email: 'angry@example.org' }),
      sendgridEvent({ event: 'delivered', email: 'fine@example.org', response: '250 OK' }),
      sendgridEvent({
        event: 'deferred',
        email: 'slow@example.org',
        response: '400 try again later',
        attempt: '5',
      }),
      sendgridEvent({ event: 'open', email: 'fine@example.org' }),
    ];
    const answer = await sendgridPost(JSON.stringify(batch));
    expect(answer.status).toBe(200);
    expect(received.map((e) => [e.address, e.verdict, e.status])).toEqual([
      ['gone@example.org', 'hard', '5.1.1'],
      ['busy@example.org', 'soft', '4.7.1'],
      ['angry@example.org', 'complaint', undefined],
      ['fine@example.org', 'delivered', undefined],
    ]);
    expect(received[0]).toMatchObject({ source: 'sendgrid', sourceId: batch[0]!.sg_message_id });
  });

  test('a tampered body, a wrong key, an old timestamp and a replay are refused; a SendGrid batch of 700 KB is read, over 1 MB is 413', async () => {
    const body = JSON.stringify([sendgridEvent({ event: 'spamreport', email: 'angry@example.org' })]);
    const tampered = body.replace('angry@example.org', 'victim@example.org');
    expect((await sendgridPost(tampered, { signedBody: body })).status).toBe(403);
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    expect((await sendgridPost(body, { key: other })).status).toBe(403);
    const old = Math.floor(Date.now() / 1000) - 10 * 60;
    expect((await sendgridPost(body, { timestamp: old })).status).toBe(403);
    expect((await post('/webhooks/sendgrid', body, { 'content-type': 'application/json' })).status).toBe(403);
    expect(received).toEqual([]);

    const timestamp = Math.floor(Date.now() / 1000);
    expect((await sendgridPost(body, { timestamp })).status).toBe(200);
    expect((await sendgridPost(body, { timestamp })).status).toBe(409);
    expect(received).toHaveLength(1);

    // A real batch is larger than any form; past the limit, 413 before a signature is looked at.
    const large = JSON.stringify(
      Array.from({ length: 4000 }, () => sendgridEvent({ event: 'delivered', email: 'fine@example.org' })),
    );
    expect(large.length).toBeGreaterThan(700 * 1024);
    expect((await sendgridPost(large)).status).toBe(200);
    const tooLarge = JSON.stringify([{ padding: 'x'.repeat(1100 * 1024) }]);
    expect((await sendgridPost(tooLarge)).status).toBe(413);
    // Chunked, with no Content-Length to refuse it by: the bytes read are counted.
    const chunks = new ReadableStream({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode('x'.repeat(64 * 1024)));
      },
    });
    const chunked = await fetch(`${service.origin}/webhooks/sendgrid`, {
      method: 'POST',
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });
});

describe('every provider', () => {
  test('the log says what was refused and why, never a key, a password or an address', async () => {
    await postmarkPost(postmarkBounce({ ID: 99 }), basic(POSTMARK.user, 'wrong'));
    await mailgunPost({ signature: mailgunSignature('wrong'), 'event-data': mailgunEvent() });
    const log = service.logs.join('\n');
    expect(log).toContain('"event":"webhook-refused"');
    expect(log).toContain('wrong basic auth credentials');
    for (const secret of [POSTMARK.password, MAILGUN_KEY, 'gone@example.org', 'angry@example.org'])
      expect(log).not.toContain(secret);
  });

  test('a provider not turned on has no route, and the local certificate origin needs the test-only variable', async () => {
    const only = await startService(
      (config) => {
        config.dispatch.bounces.webhooks = {
          sesTopics: [TOPIC],
          postmark: false,
          mailgun: false,
          sendgrid: false,
        };
      },
      {
        webhooks: (config) => ({
          providers: webhookProviders(config, {}),
          onEvents: async (events) => {
            received.push(...events);
          },
        }),
      },
    );
    try {
      const postTo = (path: string, body: string) => fetch(`${only.origin}${path}`, { method: 'POST', body });
      expect((await postTo('/webhooks/mailgun', '{}')).status).toBe(404);
      const answer = await postTo('/webhooks/ses', snsBody({ Type: 'Notification', Message: sesBounce }));
      expect(answer.status).toBe(403);
      expect(await answer.json()).toEqual({
        error: 'the SNS SigningCertURL is not https://sns.<region>.amazonaws.com/',
      });
      expect(received).toEqual([]);
    } finally {
      await only.close();
    }
  });

  test('an SNS signing certificate past its validity is refused', async () => {
    const later = Date.now() + 3 * 86_400_000;
    const expired = await startService(allOn, {
      now: () => later,
      webhooks: (config) => ({ providers: webhookProviders(config, env()), onEvents: async () => undefined }),
    });
    try {
      const body = snsBody({
        Type: 'Notification',
        Message: sesBounce,
        Timestamp: new Date(later).toISOString(),
      });
      const answer = await fetch(`${expired.origin}/webhooks/ses`, { method: 'POST', body });
      expect(answer.status).toBe(403);
      expect(await answer.json()).toEqual({ error: 'the SNS signing certificate is not valid now' });
    } finally {
      await expired.close();
    }
  });

  test('a delivery whose events could not be recorded answers 500, and its retry is not taken for a replay', async () => {
    const signature = mailgunSignature();
    const body = {
      signature,
      'event-data': mailgunEvent({ message: { headers: { 'message-id': 'retry@mg' } } }),
    };
    failNext = true;
    expect((await mailgunPost(body)).status).toBe(500);
    expect(received).toEqual([]);
    expect((await mailgunPost(body)).status).toBe(200);
    expect(received.map((e) => e.sourceId)).toEqual(['retry@mg']);
    expect(service.logs.join('\n')).toContain('"event":"webhook-failed"');
  });

  test('a provider turned on without its key stops the service from starting, naming the variable', () => {
    const config = {
      dispatch: { bounces: { webhooks: { sesTopics: [], postmark: false, mailgun: true, sendgrid: false } } },
    };
    expect(() => webhookProviders(config as never, {})).toThrow(/BULLETIN_MAILGUN_SIGNING_KEY is not set/);
    const sendgridOn = {
      dispatch: {
        bounces: { webhooks: { ...config.dispatch.bounces.webhooks, mailgun: false, sendgrid: true } },
      },
    };
    expect(() =>
      webhookProviders(sendgridOn as never, { BULLETIN_SENDGRID_PUBLIC_KEY: 'bm90IGEga2V5' }),
    ).toThrow(/BULLETIN_SENDGRID_PUBLIC_KEY is not a public key/);
    const sesOn = {
      dispatch: {
        bounces: { webhooks: { ...config.dispatch.bounces.webhooks, mailgun: false, sesTopics: [TOPIC] } },
      },
    };
    expect(() =>
      webhookProviders(sesOn as never, { BULLETIN_TEST_SNS_ORIGIN: 'http://evil.example' }),
    ).toThrow(/BULLETIN_TEST_SNS_ORIGIN/);
  });
});

describe('what each provider says, as verdicts', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');
  const verdicts = (events: BounceEvent[]) => events.map((e) => e.verdict).join(',') || 'none';

  test('SES: Permanent hard, Transient and Undetermined soft, complaints but not not-spam, deliveries', () => {
    const ses = (body: object) =>
      verdicts(
        sesEvents({ Type: 'Notification', MessageId: 'm', Message: JSON.stringify(body) } as never, now),
      );
    const bounce = (bounceType: string, bounceSubType: string) => ({
      notificationType: 'Bounce',
      bounce: { bounceType, bounceSubType, bouncedRecipients: [{ emailAddress: 'a@example.org' }] },
      mail: { messageId: 'x' },
    });
    expect(ses(bounce('Permanent', 'General'))).toBe('hard');
    expect(ses(bounce('Permanent', 'OnAccountSuppressionList'))).toBe('hard');
    expect(ses(bounce('Transient', 'MailboxFull'))).toBe('soft');
    expect(ses(bounce('Undetermined', 'Undetermined'))).toBe('soft');
    const complaint = (complaintFeedbackType?: string) => ({
      eventType: 'Complaint',
      complaint: { complainedRecipients: [{ emailAddress: 'a@example.org' }], complaintFeedbackType },
      mail: { messageId: 'x' },
    });
    expect(ses(complaint('abuse'))).toBe('complaint');
    expect(ses(complaint())).toBe('complaint');
    expect(ses(complaint('not-spam'))).toBe('none');
    const delivery = { notificationType: 'Delivery', delivery: { recipients: ['a@example.org'] }, mail: {} };
    expect(ses(delivery)).toBe('delivered');
    expect(ses({ eventType: 'Open', mail: {} })).toBe('none');
  });

  test('Postmark: HardBounce hard, SoftBounce and Transient soft, SpamComplaint, Delivery; AutoResponder none', () => {
    const postmark = (record: object) =>
      verdicts(postmarkEvents({ MessageID: 'm', Email: 'a@example.org', ...record }, now));
    expect(postmark({ RecordType: 'Bounce', Type: 'HardBounce' })).toBe('hard');
    expect(postmark({ RecordType: 'Bounce', Type: 'BadEmailAddress' })).toBe('hard');
    expect(postmark({ RecordType: 'Bounce', Type: 'SoftBounce' })).toBe('soft');
    expect(postmark({ RecordType: 'Bounce', Type: 'Transient' })).toBe('soft');
    expect(postmark({ RecordType: 'Bounce', Type: 'AutoResponder' })).toBe('none');
    expect(postmark({ RecordType: 'SpamComplaint', Type: 'SpamComplaint' })).toBe('complaint');
    expect(postmark({ RecordType: 'Delivery', Recipient: 'a@example.org', Email: undefined })).toBe(
      'delivered',
    );
    expect(postmark({ RecordType: 'Open' })).toBe('none');
  });

  test('Mailgun: failed permanent hard, temporary soft (once per message), complained, delivered', () => {
    const mailgun = (record: object) =>
      mailgunEvents(
        { recipient: 'a@example.org', id: 'e', message: { headers: { 'message-id': 'm1' } }, ...record },
        now,
      );
    expect(verdicts(mailgun({ event: 'failed', severity: 'permanent' }))).toBe('hard');
    expect(verdicts(mailgun({ event: 'failed', severity: 'temporary' }))).toBe('soft');
    // Each retry of one message fails with its own event id: the message is what is counted.
    expect(mailgun({ event: 'failed', severity: 'temporary', id: 'e2' })[0]!.sourceId).toBe('m1');
    expect(verdicts(mailgun({ event: 'failed', severity: 'permanent', reason: 'suppress-complaint' }))).toBe(
      'complaint',
    );
    expect(verdicts(mailgun({ event: 'complained' }))).toBe('complaint');
    expect(verdicts(mailgun({ event: 'delivered' }))).toBe('delivered');
    expect(verdicts(mailgun({ event: 'opened' }))).toBe('none');
    // Permanent, but a refusal of us or a give-up after retries: soft, as a bounce notice would be.
    const blocked = {
      'enhanced-code': '5.7.1',
      message: '554 5.7.1 Service unavailable; blocked using Spamhaus',
    };
    expect(verdicts(mailgun({ event: 'failed', severity: 'permanent', 'delivery-status': blocked }))).toBe(
      'soft',
    );
    expect(verdicts(mailgun({ event: 'failed', severity: 'permanent', reason: 'old' }))).toBe('soft');
    expect(verdicts(mailgun({ event: 'failed', severity: 'permanent', reason: 'espblock' }))).toBe('soft');
    // Our own Message-ID names the send, so status can count the event against its issue and list.
    const ours = '<0123456789abcdef0123456789abcdef.2018-05-11.weekly@bulletin.example.org>';
    expect(
      mailgun({ event: 'failed', severity: 'permanent', message: { headers: { 'message-id': ours } } })[0],
    ).toMatchObject({ verdict: 'hard', issue: '2018-05-11', list: 'weekly' });
    expect(verdicts(mailgun({ event: 'failed', severity: 'permanent', recipient: 'not an address' }))).toBe(
      'none',
    );
  });

  test('SendGrid: bounce hard, blocked soft, dropped for a bounced or spam-reporting address, spamreport, delivered', () => {
    const sendgridOf = (record: object) =>
      verdicts(sendgridEvents({ email: 'a@example.org', sg_message_id: 'm', ...record }, now));
    expect(sendgridOf({ event: 'bounce', type: 'bounce' })).toBe('hard');
    expect(sendgridOf({ event: 'bounce', type: 'blocked' })).toBe('soft');
    expect(sendgridOf({ event: 'dropped', reason: 'Bounced Address' })).toBe('hard');
    expect(sendgridOf({ event: 'dropped', reason: 'Spam Reporting Address' })).toBe('complaint');
    expect(sendgridOf({ event: 'dropped', reason: 'Unsubscribed Address' })).toBe('none');
    expect(sendgridOf({ event: 'spamreport' })).toBe('complaint');
    expect(sendgridOf({ event: 'delivered' })).toBe('delivered');
    expect(sendgridOf({ event: 'deferred' })).toBe('none');
    expect(
      sendgridOf({
        event: 'bounce',
        type: 'bounce',
        status: '5.7.1',
        reason: 'blocked: our IP on a blocklist',
      }),
    ).toBe('soft');
    const [event] = sendgridEvents(
      {
        email: 'a@example.org',
        sg_message_id: 'm',
        event: 'spamreport',
        'smtp-id': '<0123456789abcdef0123456789abcdef.2018-05-11.weekly@bulletin.example.org>',
      },
      now,
    );
    expect(event).toMatchObject({ verdict: 'complaint', issue: '2018-05-11', list: 'weekly' });
  });
});

test("Amazon's SNS certificate addresses in every kind of region are allowed, and nothing like them", () => {
  const allowed = (url: string) => {
    const parsed = allowedSnsUrl(url, undefined);
    return parsed !== undefined && SNS_CERT_PATH.test(parsed.pathname);
  };
  const pem = 'SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem';
  for (const host of ['us-east-1', 'eu-west-2', 'ap-southeast-1', 'us-gov-west-1', 'cn-north-1'])
    expect([
      host,
      allowed(`https://sns.${host}.amazonaws.com${host.startsWith('cn') ? '.cn' : ''}/${pem}`),
    ]).toEqual([host, true]);
  for (const url of [
    `https://sns.s3-us-west-2.amazonaws.com/${pem}`,
    `https://sns.amazonaws.com/${pem}`,
    `https://sns.eu-west-2.amazonaws.com:8443/${pem}`,
    `https://user@sns.eu-west-2.amazonaws.com/${pem}`,
    `https://sns.eu-west-2.amazonaws.com/${pem}/../x.pem`,
  ])
    expect([url, allowed(url)]).toEqual([url, false]);
});
