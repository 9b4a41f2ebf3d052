import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import Fastify from 'fastify';
import { smtpTransport } from '../src/dispatch/transports.js';
import { startSmtpServer } from './helpers/smtp.js';
import { signToken, type TokenPayload } from '../src/dispatch/tokens.js';
import { SqliteServiceMailQueue } from '../src/store/sqlite/mail-queue.js';
import { DEFAULT_MAIL_SENDER, startMailSender } from '../src/service/mail-sender.js';
import { PREVIOUS_SECRET, removeArchive, SECRET, startService, type TestService } from './helpers/service.js';

const DAY = 86_400;
let service: TestService;

afterEach(async () => service?.close());
afterAll(() => removeArchive());

const form = (fields: Record<string, string | string[]>) => {
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) for (const v of [value].flat()) body.append(key, v);
  return body;
};
const post = (
  path: string,
  body: URLSearchParams | FormData | string,
  headers: Record<string, string> = {},
) => fetch(`${service.origin}${path}`, { method: 'POST', body, headers, redirect: 'manual' });
const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${service.origin}${path}`, { headers, redirect: 'manual' });
const token = (payload: Omit<TokenPayload, 'issuedAt'> & { issuedAt?: number }, secret = SECRET) =>
  signToken(secret, { issuedAt: Math.floor(Date.now() / 1000), ...payload });
const statusOf = async (email: string, list = 'weekly') =>
  (await service.store.memberships(email)).find((m) => m.list === list)?.status;

/** An HTTP request written byte for byte, as a mail provider's one-click POST arrives. */
function rawRequest(text: string): Promise<string> {
  const { port } = new URL(service.origin);
  return new Promise((resolve, reject) => {
    // Written, not ended: the server answers and then closes (Connection: close).
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('subscribe', () => {
  test('answers the same page for a new, pending, subscribed and unsubscribed address, and mails each owner what applies', async () => {
    service = await startService();
    await service.store.addSubscriber('weekly', { email: 'sub@example.org' }, 'subscribed', {
      source: 'test',
    });
    await service.store.addSubscriber('weekly', { email: 'gone@example.org' }, 'subscribed', {
      source: 'test',
    });
    await service.store.setStatus('gone@example.org', 'weekly', 'unsubscribed', { source: 'test' });
    await post('/subscribe', form({ email: 'pending@example.org', lists: 'weekly' }));

    const answers: { status: number; body: string }[] = [];
    for (const email of ['new@example.org', 'pending@example.org', 'sub@example.org', 'gone@example.org']) {
      const response = await post('/subscribe', form({ email, name: 'A Reader', lists: 'weekly' }));
      answers.push({ status: response.status, body: await response.text() });
    }
    expect(answers.every((a) => a.status === 200 && a.body === answers[0]!.body)).toBe(true);
    expect(answers[0]!.body).toContain('<h1>Check your inbox</h1>');

    // Nobody is subscribed by the form alone; a "no" stays a no until confirmed.
    expect(await statusOf('new@example.org')).toBe('pending');
    expect(await statusOf('gone@example.org')).toBe('unsubscribed');
    await service.linkIn('gone@example.org');
    const mail = await service.mail();
    const subjects = (to: string) => mail.filter((m) => m.to === to).map((m) => m.subject);
    expect(subjects('new@example.org')).toEqual([
      'Confirm your subscription to the West Yorkshire and Harrogate Health and Care Partnership bulletin',
    ]);
    expect(subjects('sub@example.org')).toEqual([
      'You already get the West Yorkshire and Harrogate Health and Care Partnership bulletin',
    ]);
    expect(subjects('gone@example.org')[0]).toMatch(/^Confirm your subscription/);
    expect(mail.find((m) => m.to === 'new@example.org')!.headers.get('auto-submitted')).toBe(
      'auto-generated',
    );

    // A name typed on the form renames nobody: it waits for the mailbox's owner to confirm.
    const nameOf = async (email: string) => {
      for await (const record of service.store.subscribers('weekly'))
        if (record.email === email) return record.name;
      return undefined;
    };
    expect(await nameOf('sub@example.org')).toBeNull();
    expect(await nameOf('new@example.org')).toBeNull();
    const confirmLink = new URL(
      mail.find((m) => m.to === 'new@example.org')!.text.match(/https?:\/\/\S+/)![0],
    );
    expect((await post('/confirm', form({ token: confirmLink.searchParams.get('token')! }))).status).toBe(
      200,
    );
    expect(await nameOf('new@example.org')).toBe('A Reader');
  });

  test('rejects bad input with the form and a message, and a filled trap field quietly does nothing', async () => {
    service = await startService();
    const bad = await post('/subscribe', form({ email: 'not an address', lists: 'weekly' }));
    expect(bad.status).toBe(400);
    const page = await bad.text();
    expect(page).toMatch(/aria-invalid="true" aria-describedby="subscribe-email-error"/);
    expect(page).toContain('value="not an address"');
    expect((await post('/subscribe', form({ email: 'ann@example.org', lists: 'leaders' }))).status).toBe(400);
    expect(
      (await post('/subscribe', form({ email: 'ann@example.org', lists: 'weekly', extra: 'x' }))).status,
    ).toBe(400);
    expect(
      (await post('/subscribe', form({ email: 'a\r\nBcc: x@example.org', lists: 'weekly' }))).status,
    ).toBe(400);
    // With one public list, not ticking it still means that list.
    expect((await post('/subscribe', form({ email: 'one@example.org' }))).status).toBe(200);
    expect(await statusOf('one@example.org')).toBe('pending');

    const trapped = await post(
      '/subscribe',
      form({ email: 'bot@example.org', lists: 'weekly', website: 'http://spam.example' }),
    );
    expect(trapped.status).toBe(200);
    expect(await trapped.text()).toContain('Check your inbox');
    expect(await service.store.memberships('bot@example.org')).toEqual([]);
  });
});

describe('confirm', () => {
  test('the link shows a button; only the POST confirms, once; bad tokens are refused', async () => {
    service = await startService();
    await post('/subscribe', form({ email: 'ann@example.org', lists: 'weekly' }));
    const link = new URL(await service.linkIn('ann@example.org'));
    const confirmToken = link.searchParams.get('token')!;
    const shown = await get(`${link.pathname}${link.search}`);
    expect(shown.status).toBe(200);
    expect(await shown.text()).toContain('<button type="submit">Confirm my subscription</button>');
    expect(await statusOf('ann@example.org')).toBe('pending');

    const confirmed = await post('/confirm', form({ token: confirmToken }));
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('You are subscribed');
    expect(await statusOf('ann@example.org')).toBe('subscribed');
    expect((await post('/confirm', form({ token: confirmToken }))).status).toBe(410);

    const nonce = JSON.parse(Buffer.from(confirmToken.split('.')[0]!, 'base64url').toString())[4] as string;
    const refused = {
      forged: `${confirmToken.slice(0, -4)}AAAA`,
      expired: token({
        purpose: 'confirm',
        email: 'ann@example.org',
        list: '*',
        nonce,
        issuedAt: Math.floor(Date.now() / 1000) - 8 * DAY,
      }),
      wrongPurpose: token({ purpose: 'unsubscribe', email: 'ann@example.org', list: 'weekly' }),
      otherAddress: token({ purpose: 'confirm', email: 'eve@example.org', list: '*', nonce }),
      garbage: 'x'.repeat(50),
    };
    for (const [name, bad] of Object.entries(refused)) {
      const response = await post('/confirm', form({ token: bad }));
      expect([name, response.status]).toEqual([name, 400]);
    }
    expect(await (await post('/confirm', form({ token: refused.expired }))).text()).toContain(
      'This link has expired',
    );
  });
});

describe('one-click unsubscribe (RFC 8058)', () => {
  const unsubscribeToken = (over: Partial<TokenPayload> = {}, secret = SECRET) =>
    token({ purpose: 'unsubscribe', email: 'ann@example.org', list: 'weekly', ...over }, secret);

  beforeEach(async () => {
    service = await startService();
    await service.store.addSubscriber('weekly', { email: 'ann@example.org' }, 'subscribed', {
      source: 'test',
    });
  });

  test('a provider POST, form-urlencoded, answers 200 and unsubscribes; repeating it changes nothing', async () => {
    const path = `/unsubscribe?token=${unsubscribeToken()}`;
    const request = (body: string) =>
      `POST ${path} HTTP/1.1\r\nHost: bulletin.example\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
    const first = await rawRequest(request('List-Unsubscribe=One-Click'));
    expect(first).toMatch(/^HTTP\/1\.1 200 /);
    expect(first).not.toMatch(/set-cookie/i);
    expect(await statusOf('ann@example.org')).toBe('unsubscribed');
    expect((await rawRequest(request('List-Unsubscribe=One-Click'))).startsWith('HTTP/1.1 200 ')).toBe(true);
    expect(await statusOf('ann@example.org')).toBe('unsubscribed');
  });

  test('a provider POST, multipart/form-data, works the same', async () => {
    const boundary = '----bulletin7MA4YWxkTrZu0gW';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`;
    const answer = await rawRequest(
      `POST /unsubscribe?token=${unsubscribeToken()} HTTP/1.1\r\nHost: bulletin.example\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(await statusOf('ann@example.org')).toBe('unsubscribed');
  });

  test('opening the link never unsubscribes; a link signed with the previous key still works', async () => {
    const page = await get(`/unsubscribe?token=${unsubscribeToken()}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<button type="submit">Unsubscribe</button>');
    expect(await statusOf('ann@example.org')).toBe('subscribed');
    const rotated = await post(
      `/unsubscribe?token=${unsubscribeToken({}, PREVIOUS_SECRET)}`,
      form({ 'List-Unsubscribe': 'One-Click' }),
    );
    expect(rotated.status).toBe(200);
    expect(await statusOf('ann@example.org')).toBe('unsubscribed');
  });

  test('a token spelled any other way than canonical base64url is refused, though it decodes to the same bytes', async () => {
    // A signature with '-' or '_' in it, so the standard-alphabet spelling differs.
    let good = unsubscribeToken();
    for (let back = 1; !/[-_]/.test(good.split('.')[1]!); back++)
      good = unsubscribeToken({ issuedAt: Math.floor(Date.now() / 1000) - back });
    const [body, signature] = good.split('.') as [string, string];
    // 32 bytes of HMAC in 43 characters: the last one carries 2 bits nobody reads.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(signature.at(-1)!);
    const otherTail = `${signature.slice(0, -1)}${alphabet[last ^ 1]}`;
    const variants = {
      padded: `${body}.${signature}=`,
      paddedBody: `${body}=.${signature}`,
      standardAlphabet: `${body}.${signature.replace(/-/g, '+').replace(/_/g, '/')}`,
      trailingBits: `${body}.${otherTail}`,
      skippedCharacter: `${body}.${signature.slice(0, 10)}!${signature.slice(10)}`,
      space: `${body}.${signature.slice(0, 10)} ${signature.slice(10)}`,
    };
    for (const [name, bad] of Object.entries(variants)) {
      expect(Buffer.from(bad.split('.')[1]!, 'base64url')).toEqual(Buffer.from(signature, 'base64url'));
      const response = await post(
        `/unsubscribe?token=${encodeURIComponent(bad)}`,
        form({ 'List-Unsubscribe': 'One-Click' }),
      );
      expect([name, response.status]).toEqual([name, 400]);
    }
    expect(await statusOf('ann@example.org')).toBe('subscribed');
    expect((await post(`/unsubscribe?token=${good}`, form({ 'List-Unsubscribe': 'One-Click' }))).status).toBe(
      200,
    );
  });

  test('forged, expired, wrong-purpose and wrong-list tokens, and a POST without One-Click, change nothing', async () => {
    const refused = {
      forged: unsubscribeToken({}, 'another-secret'),
      expired: unsubscribeToken({ issuedAt: Math.floor(Date.now() / 1000) - 366 * DAY }),
      wrongPurpose: token({ purpose: 'confirm', email: 'ann@example.org', list: 'weekly' }),
      wrongList: unsubscribeToken({ list: 'no-such-list' }),
      truncated: unsubscribeToken().slice(0, 30),
    };
    for (const [name, bad] of Object.entries(refused)) {
      const response = await post(`/unsubscribe?token=${bad}`, form({ 'List-Unsubscribe': 'One-Click' }));
      expect([name, response.status]).toEqual([name, 400]);
    }
    // Sixty days on, a link in an old bulletin still works.
    const old = unsubscribeToken({ issuedAt: Math.floor(Date.now() / 1000) - 61 * DAY });
    expect((await post(`/unsubscribe?token=${old}`, form({ other: 'x' }))).status).toBe(400);
    expect(await statusOf('ann@example.org')).toBe('subscribed');
    expect((await post(`/unsubscribe?token=${old}`, form({ 'List-Unsubscribe': 'One-Click' }))).status).toBe(
      200,
    );
    expect(await statusOf('ann@example.org')).toBe('unsubscribed');
  });
});

describe('cross-site form posts', () => {
  test("subscribe, confirm and preferences refuse another site's Origin or Sec-Fetch-Site with a 403 page; one-click keeps working", async () => {
    service = await startService();
    await service.store.addSubscriber('weekly', { email: 'ann@example.org' }, 'subscribed', {
      source: 'test',
    });
    const preferences = `/preferences?token=${token({ purpose: 'preferences', email: 'ann@example.org', list: 'weekly' })}`;
    const crossSite: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'null', 'sec-fetch-site': 'cross-site' },
      { origin: `${service.origin}.evil.example` },
    ];
    for (const headers of crossSite) {
      const subscribed = await post(
        '/subscribe',
        form({ email: 'target@example.org', lists: 'weekly' }),
        headers,
      );
      expect([headers, subscribed.status]).toEqual([headers, 403]);
      const page = await subscribed.text();
      expect(page).toContain('<h1>This form was sent from another site</h1>');
      expect((await post('/confirm', form({ token: 'anything' }), headers)).status).toBe(403);
      expect((await post(preferences, form({ action: 'leave-all' }), headers)).status).toBe(403);
    }
    expect(await service.store.memberships('target@example.org')).toEqual([]);
    expect(await statusOf('ann@example.org')).toBe('subscribed');

    // The site's own pages, a navigation typed in, and clients that say nothing are let through.
    for (const headers of [
      { origin: service.origin },
      { 'sec-fetch-site': 'same-origin', origin: service.origin },
      { 'sec-fetch-site': 'none' },
      { origin: 'null', 'sec-fetch-site': 'same-origin' },
      {},
    ] as Record<string, string>[]) {
      const email = `ok${Object.values(headers).join('').replace(/\W/g, '')}@example.org`;
      expect([headers, (await post('/subscribe', form({ email, lists: 'weekly' }), headers)).status]).toEqual(
        [headers, 200],
      );
    }
    expect(
      (
        await post(preferences, form({ lists: 'weekly', action: 'save' }), {
          origin: service.origin,
          'sec-fetch-site': 'same-origin',
        })
      ).status,
    ).toBe(200);
    // A mail provider's one-click POST has no Origin; even a browser's cross-site one carries the signed
    // link.
    const oneClick = `/unsubscribe?token=${token({ purpose: 'unsubscribe', email: 'ann@example.org', list: 'weekly' })}`;
    expect((await post(oneClick, form({ 'List-Unsubscribe': 'One-Click' }))).status).toBe(200);
    expect(await statusOf('ann@example.org')).toBe('unsubscribed');
  });

  test('behind a proxy, the Origin is compared with the public base URL and the forwarded host', async () => {
    service = await startService((config) => (config.service.trustProxy = 1));
    service.config.site.baseUrl = 'https://bulletin.example.org/';
    const ok = await post('/subscribe', form({ email: 'a@example.org', lists: 'weekly' }), {
      origin: 'https://bulletin.example.org',
      'x-forwarded-proto': 'https',
    });
    expect(ok.status).toBe(200);
    const forwarded = await post('/subscribe', form({ email: 'b@example.org', lists: 'weekly' }), {
      origin: 'https://www.example.org',
      'x-forwarded-host': 'www.example.org',
      'x-forwarded-proto': 'https',
    });
    expect(forwarded.status).toBe(200);
    expect(
      (
        await post('/subscribe', form({ email: 'c@example.org', lists: 'weekly' }), {
          origin: 'https://evil.example',
          'x-forwarded-proto': 'https',
        })
      ).status,
    ).toBe(403);
  });
});

test('preferences: choose lists or leave all, from the signed link', async () => {
  service = await startService();
  await service.store.addSubscriber('weekly', { email: 'ann@example.org' }, 'subscribed', { source: 'test' });
  await service.store.addSubscriber('leaders', { email: 'ann@example.org' }, 'subscribed', {
    source: 'test',
  });
  const path = `/preferences?token=${token({ purpose: 'preferences', email: 'ann@example.org', list: 'weekly' })}`;
  const page = await (await get(path)).text();
  expect(page).toMatch(/id="preferences-list-weekly" name="lists" value="weekly" checked/);
  // A private list shows only to people on it.
  expect(page).toContain('System leaders');

  const saved = await post(path, form({ lists: 'leaders', action: 'save' }));
  expect(saved.status).toBe(200);
  expect(await saved.text()).toContain('Saved.');
  expect(await statusOf('ann@example.org', 'weekly')).toBe('unsubscribed');
  expect(await statusOf('ann@example.org', 'leaders')).toBe('subscribed');
  expect((await post(path, form({ lists: 'weekly', action: 'save' }))).status).toBe(200);
  expect(await statusOf('ann@example.org', 'weekly')).toBe('subscribed');
  expect((await post(path, form({ action: 'leave-all' }))).status).toBe(200);
  expect(await service.store.memberships('ann@example.org')).toEqual([
    { list: 'leaders', status: 'unsubscribed' },
    { list: 'weekly', status: 'unsubscribed' },
  ]);
  expect((await post(path, form({ lists: 'made-up', action: 'save' }))).status).toBe(400);
});

describe('rate limits', () => {
  test('per client address and per email address, with Retry-After', async () => {
    service = await startService((config) => {
      config.service.limits.subscribePerAddressPerHour = 4;
      config.service.limits.confirmationsPerEmailPerDay = 2;
    });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await post('/subscribe', form({ email: 'same@example.org', lists: 'weekly' }))).status);
    expect(statuses).toEqual([200, 200, 429]);
    const limited = await post('/subscribe', form({ email: 'other@example.org', lists: 'weekly' }));
    expect(limited.status).toBe(200);
    const overIp = await post('/subscribe', form({ email: 'third@example.org', lists: 'weekly' }));
    expect(overIp.status).toBe(429);
    expect(Number(overIp.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await overIp.text()).toContain('Too many tries');
  });

  test('the confirmation cap counts a mailbox, whatever its +tags and case: no mail bombing through victim+1@, victim+2@', async () => {
    service = await startService((config) => (config.service.limits.confirmationsPerEmailPerDay = 2));
    const statuses: number[] = [];
    for (const email of [
      'victim@example.org',
      'Victim+1@example.org',
      'VICTIM+2@Example.org',
      'victim+news@example.org',
    ]) {
      statuses.push((await post('/subscribe', form({ email, lists: 'weekly' }))).status);
    }
    expect(statuses).toEqual([200, 200, 429, 429]);
    // Another mailbox, and one that only shares a prefix, keep their own counts.
    expect((await post('/subscribe', form({ email: 'victim2@example.org', lists: 'weekly' }))).status).toBe(
      200,
    );
    expect((await post('/subscribe', form({ email: 'victim@example.net', lists: 'weekly' }))).status).toBe(
      200,
    );
    await service.linkIn('victim@example.net');
    expect(
      (await service.mail()).filter((m) => /^victim(\+|@)/.test(m.to) && m.to.endsWith('@example.org')),
    ).toHaveLength(2);
  });

  test('bad links are limited per client address; valid one-click unsubscribes never are', async () => {
    service = await startService((config) => (config.service.limits.badLinksPerAddressPerHour = 3));
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await get(`/unsubscribe?token=bad${i}`)).status);
    expect(statuses).toEqual([400, 400, 400, 429, 429]);
    for (let i = 0; i < 10; i++) {
      const email = `r${i}@example.org`;
      await service.store.addSubscriber('weekly', { email }, 'subscribed', { source: 'test' });
      expect(
        (
          await post(
            `/unsubscribe?token=${token({ purpose: 'unsubscribe', email, list: 'weekly' })}`,
            form({ 'List-Unsubscribe': 'One-Click' }),
          )
        ).status,
      ).toBe(200);
    }
  });
});

test('security headers, caching, body limits, health, and logs without tokens or addresses', async () => {
  service = await startService();
  for (const path of ['/subscribe', '/', '/assets/site.css', '/no-such-page', '/healthz']) {
    const response = await get(path);
    expect([path, response.headers.get('referrer-policy')]).toEqual([path, 'no-referrer']);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  }
  expect((await get('/no-such-page')).status).toBe(404);
  const index = await get('/');
  expect(index.headers.get('cache-control')).toBe('no-cache');
  // fetch() marks a conditional request no-cache (as the Fetch standard says): ask as a browser revalidating
  // does.
  const revalidated = await rawRequest(
    `GET / HTTP/1.1\r\nHost: x\r\nIf-None-Match: ${index.headers.get('etag')}\r\nConnection: close\r\n\r\n`,
  );
  expect(revalidated).toMatch(/^HTTP\/1\.1 304 /);
  expect((await get('/assets/site.css')).headers.get('cache-control')).toBe('public, max-age=3600');
  expect((await get('/issues')).headers.get('location')).toBe('/issues/');
  // A folder asked for with a leading "//" is redirected on this site, never to a host named "issues".
  expect((await get('//issues')).headers.get('location')).toBe('/issues/');
  expect(await (await get('/healthz')).json()).toEqual({ status: 'ok' });

  const big = await post('/subscribe', form({ email: 'ann@example.org', name: 'x'.repeat(20_000) }));
  expect(big.status).toBe(413);
  expect(await big.text()).not.toMatch(/\n\s+at /);

  const secretLink = token({ purpose: 'unsubscribe', email: 'ann@example.org', list: 'weekly' });
  await get(`/unsubscribe?token=${secretLink}`);
  await post('/subscribe', form({ email: 'logged@example.org', lists: 'weekly' }));
  await service.linkIn('logged@example.org');
  const log = service.logs.join('\n');
  expect(log).toContain('"url":"/unsubscribe?token=[redacted]"');
  expect(log).not.toContain(secretLink.split('.')[1]);
  expect(log).not.toContain('logged@example.org');
  expect(log).not.toMatch(/"stack"/);
  for (const line of service.logs) expect(() => JSON.parse(line)).not.toThrow();
});

/** A body sent in chunks with no Content-Length, as a client that wants to get past a length check would. */
function chunkedPost(path: string, contentType: string, chunks: Iterable<Buffer>): Promise<number> {
  const { port } = new URL(service.origin);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { 'content-type': contentType, 'transfer-encoding': 'chunked' },
      },
      (response) => {
        response.resume();
        resolve(response.statusCode!);
      },
    );
    // The server may answer and close before everything is written: that is the point.
    request.on('error', (error: NodeJS.ErrnoException) =>
      ['EPIPE', 'ECONNRESET'].includes(error.code ?? '') ? undefined : reject(error),
    );
    const write = (iterator: Iterator<Buffer>) => {
      for (let next = iterator.next(); !next.done; next = iterator.next()) {
        if (request.destroyed) return;
        if (!request.write(next.value)) return void request.once('drain', () => write(iterator));
      }
      request.end();
    };
    write(chunks[Symbol.iterator]());
  });
}

function* megabytes(head: string, total: number, tail = ''): Generator<Buffer> {
  yield Buffer.from(head);
  const block = Buffer.alloc(64 * 1024, 'a');
  for (let sent = 0; sent < total; sent += block.length) yield block;
  yield Buffer.from(tail);
}

test('the 16 KB cap counts the bytes read: 5 MB sent chunked, multipart or urlencoded, is refused, and the server stays up', async () => {
  service = await startService();
  await service.store.addSubscriber('weekly', { email: 'ann@example.org' }, 'subscribed', { source: 'test' });
  const boundary = '----bulletinChunked';
  const oneClick = `/unsubscribe?token=${token({ purpose: 'unsubscribe', email: 'ann@example.org', list: 'weekly' })}`;
  const multipartHead = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}\r\nContent-Disposition: form-data; name="padding"\r\n\r\n`;
  const multipartTail = `\r\n--${boundary}--\r\n`;
  const FIVE_MB = 5 * 1024 * 1024;
  expect(
    await chunkedPost(
      oneClick,
      `multipart/form-data; boundary=${boundary}`,
      megabytes(multipartHead, FIVE_MB, multipartTail),
    ),
  ).toBe(413);
  expect(
    await chunkedPost(
      '/subscribe',
      'application/x-www-form-urlencoded',
      megabytes('lists=weekly&email=big%40example.org&name=', FIVE_MB),
    ),
  ).toBe(413);
  // Many small parts, each under the per-field limit, add up all the same.
  const manyParts = Array.from(
    { length: 400 },
    (_, i) => `--${boundary}\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\n${'b'.repeat(100)}\r\n`,
  ).join('');
  expect(
    await chunkedPost(oneClick, `multipart/form-data; boundary=${boundary}`, [
      Buffer.from(`${multipartHead}x${multipartTail.slice(0, 2)}`),
      Buffer.from(manyParts),
      Buffer.from(`--${boundary}--\r\n`),
    ]),
  ).toBe(413);
  expect(await statusOf('ann@example.org')).toBe('subscribed');
  expect(await service.store.memberships('big@example.org')).toEqual([]);
  expect(await (await get('/healthz')).json()).toEqual({ status: 'ok' });
  // A small chunked one-click still works.
  expect(
    await chunkedPost(oneClick, `multipart/form-data; boundary=${boundary}`, [
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click${multipartTail}`,
      ),
    ]),
  ).toBe(200);
  expect(await statusOf('ann@example.org')).toBe('unsubscribed');
}, 60_000);

test('a mail server refusing the confirmation is logged by its code, never with the address', async () => {
  const smtp = await startSmtpServer({ rcpt: () => 550 });
  const mailer = smtpTransport({ url: smtp.url, connections: 1 });
  try {
    service = await startService(undefined, { mailer });
    expect((await post('/subscribe', form({ email: 'refused@example.org', lists: 'weekly' }))).status).toBe(
      200,
    );
    for (let i = 0; i < 100 && !service.logs.some((l) => l.includes('confirmation-failed')); i++)
      await new Promise((r) => setTimeout(r, 20));
    const failure = service.logs.find((l) => l.includes('confirmation-failed'));
    // A 5xx is final: given up at the first attempt, not retried.
    expect(JSON.parse(failure!)).toMatchObject({
      event: 'confirmation-failed',
      responseCode: 550,
      attempts: 1,
    });
    expect(service.logs.join('\n')).not.toContain('refused@example.org');
  } finally {
    await mailer.close();
    await smtp.close();
  }
});

test('a one-click unsubscribe waits for another process holding the write lock, instead of failing', async () => {
  service = await startService();
  await service.store.addSubscriber('weekly', { email: 'ann@example.org' }, 'subscribed', { source: 'test' });
  // Another process (a send, a CLI import) holds the database's write lock for 400 ms.
  const database = join(service.root, '.bulletin', 'bulletin.db');
  const holder = spawn(
    process.execPath,
    [
      '-e',
      `const db = new (require('better-sqlite3'))(${JSON.stringify(database)}); db.exec('BEGIN IMMEDIATE'); process.stdout.write('locked'); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400); db.exec('COMMIT');`,
    ],
    { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  // Listened for now: the holder may be gone before the unsubscribe's answer comes back.
  const exited = new Promise((resolve) => holder.once('exit', resolve));
  await new Promise((resolve) => holder.stdout!.once('data', resolve));
  const answer = await post(
    `/unsubscribe?token=${token({ purpose: 'unsubscribe', email: 'ann@example.org', list: 'weekly' })}`,
    form({ 'List-Unsubscribe': 'One-Click' }),
  );
  expect(answer.status).toBe(200);
  expect(await statusOf('ann@example.org')).toBe('unsubscribed');
  await exited;
});

describe("the service's mail queue", () => {
  const until = async (check: () => boolean, what: string) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    if (!check()) throw new Error(`never: ${what}`);
  };

  test('a mail server that says "try later" gets the confirmation again, with backoff, until it takes it', async () => {
    const smtp = await startSmtpServer({ rcpt: (_address, attempt) => (attempt <= 2 ? 451 : undefined) });
    const mailer = smtpTransport({ url: smtp.url, connections: 1 });
    try {
      service = await startService(undefined, { mailer });
      expect((await post('/subscribe', form({ email: 'later@example.org', lists: 'weekly' }))).status).toBe(
        200,
      );
      await until(
        () => service.logs.some((l) => l.includes('"confirmation-sent"')),
        'the mail was sent and recorded so',
      );
      const retries = service.logs
        .map((l) => JSON.parse(l) as { event?: string; attempts?: number; retryAt?: string })
        .filter((l) => l.event === 'service-mail-retry');
      expect(retries.map((r) => r.attempts)).toEqual([1, 2]);
      expect(smtp.deliveredTo('later@example.org')).toBe(1);
      const row = new Database(join(service.root, '.bulletin', 'bulletin.db'), { readonly: true })
        .prepare('SELECT attempts, sent_at, last_error FROM service_mail')
        .get() as { attempts: number; sent_at: string | null };
      expect(row).toMatchObject({ attempts: 3, last_error: null });
      expect(row.sent_at).not.toBeNull();
    } finally {
      await service.close();
      await mailer.close();
      await smtp.close();
    }
  });

  test('gives up after the last attempt with a log line that names no address', async () => {
    const smtp = await startSmtpServer({ rcpt: () => 421 });
    const mailer = smtpTransport({ url: smtp.url, connections: 1 });
    try {
      service = await startService(undefined, { mailer, mailSender: { maxAttempts: 3 } });
      expect((await post('/subscribe', form({ email: 'never@example.org', lists: 'weekly' }))).status).toBe(
        200,
      );
      await until(() => service.logs.some((l) => l.includes('confirmation-failed')), 'gave up');
      expect(JSON.parse(service.logs.find((l) => l.includes('confirmation-failed'))!)).toMatchObject({
        attempts: 3,
        responseCode: 421,
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(smtp.received).toHaveLength(0);
      expect(service.logs.join('\n')).not.toContain('never@example.org');
    } finally {
      await service.close();
      await mailer.close();
      await smtp.close();
    }
  });

  test('stopping mid-queue finishes the mail in hand and leaves the rest due at once for the next start', async () => {
    const smtp = await startSmtpServer({ delayMs: 600 });
    const mailer = smtpTransport({ url: smtp.url, connections: 1 });
    try {
      service = await startService(undefined, {
        mailer,
        async seed(_store, database) {
          // Queued by an earlier run that stopped before sending them.
          const queue = new SqliteServiceMailQueue(database);
          for (const to of ['one@example.org', 'two@example.org', 'three@example.org']) {
            await queue.enqueue(
              {
                kind: 'confirmation',
                recipient: to,
                message: { from: 'a@example.org', to, subject: 'Confirm', text: 'x' },
              },
              new Date(),
            );
          }
          await queue.close();
        },
      });
      await new Promise((resolve) => setTimeout(resolve, 250));
      await service.app.close();
      const db = new Database(join(service.root, '.bulletin', 'bulletin.db'), { readonly: true });
      const rows = db
        .prepare(
          'SELECT recipient, attempts, sent_at IS NOT NULL AS sent, next_attempt_at <= ? AS due FROM service_mail ORDER BY id',
        )
        .all(new Date().toISOString());
      db.close();
      expect(rows).toEqual([
        { recipient: 'one@example.org', attempts: 1, sent: 1, due: 0 },
        { recipient: 'two@example.org', attempts: 0, sent: 0, due: 1 },
        { recipient: 'three@example.org', attempts: 0, sent: 0, due: 1 },
      ]);
    } finally {
      await service.close();
      await mailer.close();
      await smtp.close();
    }
  });

  test('at start, sign-ups left unconfirmed past confirmDays are purged; the consent log keeps them', async () => {
    const DAY_MS = DAY * 1000;
    const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString();
    service = await startService(undefined, {
      async seed(store) {
        await store.requestSubscription({ email: 'stale@example.org', name: 'Stale Name' }, ['weekly'], {
          source: 'form',
          at: daysAgo(10),
        });
        await store.requestSubscription({ email: 'fresh@example.org' }, ['weekly'], {
          source: 'form',
          at: daysAgo(2),
        });
        // Asked long ago, and again yesterday: the fresh link must still work.
        await store.requestSubscription({ email: 'again@example.org' }, ['weekly'], {
          source: 'form',
          at: daysAgo(10),
        });
        await store.requestSubscription({ email: 'again@example.org' }, ['weekly'], {
          source: 'form',
          at: daysAgo(1),
        });
        const kept = await store.requestSubscription({ email: 'kept@example.org' }, ['weekly'], {
          source: 'form',
          at: daysAgo(10),
        });
        const nonce = kept.capped ? '' : kept.nonce;
        await store.confirmSubscription(nonce, 'kept@example.org', {
          source: 'double-opt-in',
          at: daysAgo(9),
        });
      },
    });
    await (async () => {
      for (let i = 0; i < 100 && !service.logs.some((l) => l.includes('"purged"')); i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
    })();
    expect(JSON.parse(service.logs.find((l) => l.includes('"purged"'))!)).toMatchObject({
      memberships: 1,
      confirmations: 2,
    });
    expect(await service.store.memberships('stale@example.org')).toEqual([]);
    expect(await statusOf('fresh@example.org')).toBe('pending');
    expect(await statusOf('again@example.org')).toBe('pending');
    expect(await statusOf('kept@example.org')).toBe('subscribed');
    const db = new Database(join(service.root, '.bulletin', 'bulletin.db'), { readonly: true });
    try {
      expect(
        db.prepare("SELECT COUNT(*) AS n FROM confirmations WHERE email = 'stale@example.org'").get(),
      ).toEqual({ n: 0 });
      expect(
        db.prepare("SELECT name FROM confirmations WHERE email = 'kept@example.org'").all(),
      ).toHaveLength(1);
      const log = db
        .prepare(
          "SELECT c.status, c.source FROM consent_log c JOIN subscribers s ON s.id = c.subscriber_id WHERE s.email = 'stale@example.org' ORDER BY c.id",
        )
        .all();
      expect(log).toEqual([
        { status: 'pending', source: 'form' },
        { status: 'pending-expired', source: 'purge-unconfirmed' },
      ]);
    } finally {
      db.close();
    }
    // A fresh sign-up from the purged address works as any new one.
    expect((await post('/subscribe', form({ email: 'stale@example.org', lists: 'weekly' }))).status).toBe(
      200,
    );
    const link = new URL(await service.linkIn('stale@example.org'));
    expect((await post('/confirm', form({ token: link.searchParams.get('token')! }))).status).toBe(200);
    expect(await statusOf('stale@example.org')).toBe('subscribed');
  });
});

/** Opens one socket per body, writes every request's headers, then every body at once. */
async function simultaneousPosts(path: string, bodies: string[]): Promise<number[]> {
  const { port, host } = new URL(service.origin);
  const sockets = await Promise.all(
    bodies.map(
      (body) =>
        new Promise<{ socket: ReturnType<typeof connect>; body: string }>((resolve, reject) => {
          const socket = connect(Number(port), '127.0.0.1', () => resolve({ socket, body }));
          socket.on('error', reject);
        }),
    ),
  );
  const answers = sockets.map(
    ({ socket }) =>
      new Promise<number>((resolve, reject) => {
        let text = '';
        socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        socket.on('end', () => resolve(Number(text.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? 0)));
        socket.on('error', reject);
      }),
  );
  for (const { socket, body } of sockets) {
    const head = [
      `POST ${path} HTTP/1.1`,
      `Host: ${host}`,
      'Content-Type: application/x-www-form-urlencoded',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Connection: close',
    ];
    socket.write(`${head.join('\r\n')}\r\n\r\n`);
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  for (const { socket, body } of sockets) socket.write(body);
  return Promise.all(answers);
}

describe('confirmation cap under load', () => {
  test('20 sign-ups for one mailbox arriving at once queue only as many mails as the cap allows', async () => {
    service = await startService();
    const cap = service.config.service.limits.confirmationsPerEmailPerDay;
    const bodies = Array.from({ length: 20 }, (_, i) =>
      form({ email: `victim+${i}@example.org`, lists: 'weekly' }),
    );
    const statuses = await simultaneousPosts('/subscribe', bodies.map(String));
    expect(statuses.filter((s) => s === 200)).toHaveLength(cap);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20 - cap);
    const db = new Database(join(service.root, '.bulletin', 'bulletin.db'), { readonly: true });
    const queued = db
      .prepare("SELECT COUNT(*) AS n FROM service_mail WHERE recipient LIKE 'victim%'")
      .get() as { n: number };
    const confirmations = db
      .prepare("SELECT COUNT(*) AS n FROM confirmations WHERE email LIKE 'victim%'")
      .get() as { n: number };
    db.close();
    expect(queued.n).toBe(cap);
    expect(confirmations.n).toBe(cap);
  });
});

describe('confirmation cap for Gmail', () => {
  test('dots and googlemail.com reach one Gmail inbox: they share its cap; other domains keep their dots', async () => {
    service = await startService();
    const cap = service.config.service.limits.confirmationsPerEmailPerDay;
    const spellings = [
      'victim@gmail.com',
      'v.ictim@gmail.com',
      'vi.ctim@gmail.com',
      'victim@googlemail.com',
      'Vic.Tim+news@GoogleMail.com',
      'v.i.c.t.i.m@gmail.com',
    ];
    const statuses: number[] = [];
    for (const email of spellings)
      statuses.push((await post('/subscribe', form({ email, lists: 'weekly' }))).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(cap);
    expect((await post('/subscribe', form({ email: 'v.ictim@example.org', lists: 'weekly' }))).status).toBe(
      200,
    );
    expect((await post('/subscribe', form({ email: 'victim@example.org', lists: 'weekly' }))).status).toBe(
      200,
    );
    const db = new Database(join(service.root, '.bulletin', 'bulletin.db'), { readonly: true });
    const queued = db
      .prepare("SELECT recipient FROM service_mail WHERE recipient LIKE '%mail.com'")
      .all() as { recipient: string }[];
    db.close();
    expect(queued).toHaveLength(cap);
    // Stored as typed (lower-cased), not rewritten to the merged mailbox.
    expect(queued.map((q) => q.recipient)).toEqual(spellings.slice(0, cap));
  });
});

describe('two senders on one database', () => {
  // 12 mails answered 150 ms late take far longer than one 600 ms lease; a 1 s answer outlasts a
  // 400 ms lease on its own, so the sender must renew it while it waits.
  test.each([
    { relayMs: 150, leaseMs: 600, count: 12, batchSize: 1 },
    { relayMs: 1000, leaseMs: 400, count: 1, batchSize: 1 },
    // As `serve` sends over SMTP: batches of 4 over 4 connections.
    { relayMs: 150, leaseMs: 600, count: 12, batchSize: 4 },
  ])(
    'a relay answering in $relayMs ms, leases of $leaseMs ms, batches of $batchSize: each recipient gets exactly one mail',
    async ({ relayMs, leaseMs, count, batchSize }) => {
      const dir = mkdtempSync(join(tmpdir(), 'bulletin-two-senders-'));
      const database = join(dir, 'bulletin.db');
      const smtp = await startSmtpServer({ delayMs: relayMs });
      const queues = [new SqliteServiceMailQueue(database), new SqliteServiceMailQueue(database)];
      const mailers = queues.map(() => smtpTransport({ url: smtp.url, connections: batchSize }));
      const recipients = Array.from({ length: count }, (_, i) => `reader${i}@example.org`);
      for (const to of recipients) {
        const message = { from: 'news@example.org', to, subject: 'Confirm', text: 'x' };
        await queues[0]!.enqueue({ kind: 'confirmation', recipient: to, message }, new Date());
      }
      const log = Fastify({ logger: false }).log;
      const settings = { ...DEFAULT_MAIL_SENDER, pollMs: 20, retryBaseMs: 50, leaseMs, batchSize };
      const senders = queues.map((queue, i) => startMailSender(queue, mailers[i]!, log, settings, Date.now));
      const check = new Database(database, { readonly: true });
      const unsent = () =>
        (check.prepare('SELECT COUNT(*) AS n FROM service_mail WHERE sent_at IS NULL').get() as { n: number })
          .n;
      try {
        for (let waited = 0; unsent() > 0 && waited < 20_000; waited += 50)
          await new Promise((resolve) => setTimeout(resolve, 50));
        // A moment more: a sender still holding a stale claim would send it now.
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(unsent()).toBe(0);
        expect(recipients.map((to) => [to, smtp.deliveredTo(to)])).toEqual(recipients.map((to) => [to, 1]));
      } finally {
        await Promise.all(senders.map((sender) => sender.stop()));
        check.close();
        await Promise.all(mailers.map((mailer) => mailer.close()));
        await Promise.all(queues.map((queue) => queue.close()));
        await smtp.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
