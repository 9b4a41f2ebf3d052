import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'cheerio';
import { simpleParser } from 'mailparser';
import { loadConfig } from '../src/content/config.js';
import type { Config } from '../src/content/model.js';
import { SqliteSendLedger } from '../src/store/sqlite/ledger.js';
import { buildMessage, messageIdFor } from '../src/dispatch/message.js';
import { classify, inFlightFor, runSend, type SendSettings } from '../src/dispatch/send.js';
import { verifyToken } from '../src/dispatch/tokens.js';
import { outboxTransport, smtpTransport } from '../src/dispatch/transports.js';
import type { CompiledEmail } from '../src/render/email/compile.js';
import { SqliteSubscriberStore } from '../src/store/sqlite/subscribers.js';
import { bulletin, repoRoot, spawnBulletin } from './helpers/cli.js';
import { SITE_ENGINES } from './helpers/site-database.js';
import { buildInMemory, tempSite } from './helpers/site.js';
import { startSmtpServer } from './helpers/smtp.js';

const SECRET = 'test-secret';
let email: CompiledEmail;
let config: Config;
let dir: string;

beforeAll(async () => {
  email = (await buildInMemory(repoRoot, '2018-05-11')).email!;
  config = (await loadConfig(repoRoot)).config!;
});
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'bulletin-dispatch-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const settings: SendSettings = {
  concurrency: 2,
  rate: 1000,
  maxAttempts: 3,
  retryBaseMs: 10,
  pauseAfterFailures: 10,
};

async function setUp(addresses: string[]) {
  const db = join(dir, 'bulletin.db');
  const store = new SqliteSubscriberStore(db);
  await store.importSubscribers(
    'weekly',
    addresses.map((a, i) => ({ email: a, ...(i === 0 ? { name: 'Ann Example' } : {}) })),
    { source: 'test' },
  );
  const ledger = new SqliteSendLedger(db);
  const job = {
    issue: '2018-05-11',
    list: 'weekly',
    message: (to: { email: string; name: string | null }) =>
      buildMessage(email, config, 'weekly', to, SECRET),
  };
  return {
    store,
    ledger,
    job,
    close: async () => {
      await store.close();
      await ledger.close();
    },
  };
}

test('each subscriber gets one multipart message with the bulk-mail headers', async () => {
  const server = await startSmtpServer();
  const { store, ledger, job, close } = await setUp(['ann@example.org', 'bob@example.org', 'cy@example.org']);
  const transport = smtpTransport({ url: server.url, connections: 2 });
  try {
    const summary = await runSend(job, store, ledger, transport, settings);
    expect(summary.counts).toMatchObject({ sent: 3, pending: 0, failed: 0, unknown: 0 });
    for (const address of ['ann@example.org', 'bob@example.org', 'cy@example.org'])
      expect(server.deliveredTo(address)).toBe(1);

    const ann = await server.parse(server.received.find((r) => r.to.includes('ann@example.org'))!);
    expect(ann.subject).toBe('The giants are still learning to dance');
    expect(ann.messageId).toBe(messageIdFor(config, '2018-05-11', 'weekly', 'ann@example.org'));
    expect(ann.date).toBeInstanceOf(Date);
    expect(ann.from?.value[0]).toMatchObject({
      address: 'bulletin@wyhpartnership.example',
      name: 'WY&H Partnership Communications',
    });
    expect(ann.replyTo?.value[0]?.address).toBe('comms@wyhpartnership.example');
    expect(ann.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
    expect(ann.text).toContain('What else has been happening this week?');
    expect(ann.html).toContain('Hello Ann Example,');
    const header = (name: string) =>
      ann.headerLines
        .find((h) => h.key === name)
        ?.line.replace(/^[^:]+:\s*/, '')
        .replace(/\s+/g, ' ');
    expect(header('list-id')).toBe('Weekly bulletin <weekly.bulletin.wyhpartnership.example>');
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    const unsubscribe = header('list-unsubscribe')!.replace(/^<|>$/g, '');
    expect(unsubscribe).toMatch(/^https:\/\/bulletin\.wyhpartnership\.example\/unsubscribe\?token=/);
    const verified = verifyToken(
      [SECRET],
      new URL(unsubscribe).searchParams.get('token')!,
      'unsubscribe',
      60 * 86400,
    );
    expect(verified).toMatchObject({ ok: true, payload: { email: 'ann@example.org', list: 'weekly' } });
    const $ = load(ann.html as string);
    expect(
      $('a')
        .filter((_, a) => $(a).text() === 'Unsubscribe')
        .attr('href'),
    ).toBe(unsubscribe);

    // Running the same send again sends nothing: sent is never sent twice.
    const again = await runSend(job, store, ledger, transport, settings);
    expect(again.counts.sent).toBe(3);
    expect(server.received).toHaveLength(3);
  } finally {
    await transport.close();
    await server.close();
    await close();
  }
}, 30_000);

test('4xx is retried, 5xx is recorded and the address bounced, and an unsubscribe mid-send is honoured', async () => {
  const server = await startSmtpServer({
    rcpt: (address, attempt) =>
      address.startsWith('busy') && attempt === 1
        ? 451
        : address.startsWith('full') && attempt < 3
          ? 452
          : address.startsWith('gone')
            ? 550
            : undefined,
  });
  const { store, ledger, job, close } = await setUp([
    'busy@example.org',
    'full@example.org',
    'gone@example.org',
    'ok@example.org',
    'zed@example.org',
  ]);
  await store.setStatus('zed@example.org', 'weekly', 'unsubscribed', { source: 'one-click' });
  const transport = smtpTransport({ url: server.url, connections: 1 });
  try {
    const summary = await runSend(job, store, ledger, transport, settings);
    expect(summary.counts).toMatchObject({ sent: 3, failed: 1, pending: 0, unknown: 0 });
    const rows = Object.fromEntries(
      (await ledger.rows('2018-05-11', 'weekly')).map((r) => [r.email, [r.state, r.attempts]]),
    );
    expect(rows).toEqual({
      'busy@example.org': ['sent', 2],
      'full@example.org': ['sent', 3],
      'gone@example.org': ['failed', 1],
      'ok@example.org': ['sent', 1],
    });
    expect(await store.isSendable('gone@example.org', 'weekly')).toBe(false);
    expect(server.deliveredTo('zed@example.org')).toBe(0);
    for (const address of ['busy@example.org', 'full@example.org', 'ok@example.org'])
      expect(server.deliveredTo(address)).toBe(1);
  } finally {
    await transport.close();
    await server.close();
    await close();
  }
}, 30_000);

test('a server refusing everyone pauses the send; the messages in flight then are not marked bounced and go out on resume', async () => {
  let refusing = true;
  const server = await startSmtpServer({ rcpt: () => (refusing ? 554 : undefined) });
  const addresses = Array.from({ length: 40 }, (_, i) => `reader${String(i).padStart(2, '0')}@example.org`);
  const { store, ledger, job, close } = await setUp(addresses);
  const transport = smtpTransport({ url: server.url, connections: 4 });
  const pausing = { ...settings, concurrency: inFlightFor(4), pauseAfterFailures: 5 };
  try {
    const paused = await runSend(job, store, ledger, transport, pausing);
    expect(paused.stopped).toMatch(/^paused after 5 failures in a row/);
    // The four failures before the pause are taken at their word; the rest wait.
    const memberships = await Promise.all(addresses.map((address) => store.memberships(address)));
    expect(memberships.filter(([weekly]) => weekly!.status === 'bounced')).toHaveLength(4);
    expect(paused.counts).toMatchObject({ failed: 4, sent: 0, sending: 0, claimed: 0, pending: 36 });

    refusing = false;
    const resumed = await runSend(job, store, ledger, transport, pausing);
    expect(resumed.stopped).toBeUndefined();
    expect(resumed.counts).toMatchObject({ failed: 4, sent: 36, pending: 0 });
    expect(server.received).toHaveLength(36);
  } finally {
    await transport.close();
    await close();
    await server.close();
  }
});

test('a connection lost after the data is recorded as unknown and resent only when asked', async () => {
  const server = await startSmtpServer({
    dropAfterData: (to, attempt) => to.includes('lost@example.org') && attempt === 1,
  });
  const { store, ledger, job, close } = await setUp(['lost@example.org', 'ok@example.org']);
  const transport = smtpTransport({ url: server.url, connections: 1 });
  try {
    const first = await runSend(job, store, ledger, transport, { ...settings, concurrency: 1 });
    expect(first.counts).toMatchObject({ sent: 1, unknown: 1 });
    const second = await runSend(job, store, ledger, transport, settings);
    expect(second.counts).toMatchObject({ sent: 1, unknown: 1 });
    expect(server.deliveredTo('lost@example.org')).toBe(1);
    const third = await runSend(job, store, ledger, transport, { ...settings, resendUnknown: true });
    expect(third.counts).toMatchObject({ sent: 2, unknown: 0 });
    expect(server.deliveredTo('lost@example.org')).toBe(2);
  } finally {
    await transport.close();
    await server.close();
    await close();
  }
}, 30_000);

test('without SMTP the outbox holds each message as an .eml file', async () => {
  const { store, ledger, job, close } = await setUp(['ann@example.org', 'bob@example.org']);
  const outbox = join(dir, 'outbox');
  const transport = outboxTransport(outbox, '2018-05-11', 'weekly');
  try {
    const summary = await runSend(job, store, ledger, transport, settings);
    expect(summary.counts.sent).toBe(2);
    const files = readdirSync(join(outbox, '2018-05-11', 'weekly')).sort();
    expect(files).toEqual(['ann@example.org.eml', 'bob@example.org.eml']);
    const parsed = await simpleParser(
      readFileSync(join(outbox, '2018-05-11', 'weekly', 'bob@example.org.eml')),
    );
    expect(parsed.to).toMatchObject({ text: 'bob@example.org' });
    expect(parsed.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe(
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
    );
  } finally {
    await transport.close();
    await close();
  }
});

test('SMTP errors are classified: 5xx final, 4xx and refused connections retried, broken conversations unknown', () => {
  expect(classify({ responseCode: 550 })).toBe('permanent');
  expect(classify({ responseCode: 451 })).toBe('transient');
  expect(classify({ code: 'ESOCKET', command: 'CONN', message: 'connect ECONNREFUSED 127.0.0.1:25' })).toBe(
    'transient',
  );
  expect(classify({ code: 'ECONNECTION', command: 'CONN', message: 'Connection closed unexpectedly' })).toBe(
    'unknown',
  );
  expect(classify({ code: 'ETIMEDOUT', command: 'DATA' })).toBe('unknown');
});

test('signed tokens: forged, wrong purpose, expired and rotated keys', () => {
  const now = 1_700_000_000;
  const token = buildToken(now);
  expect(verifyToken(['new', 'old'], token, 'unsubscribe', 60 * 86400, now + 59 * 86400)).toMatchObject({
    ok: true,
  });
  expect(verifyToken(['new'], token, 'unsubscribe', 60 * 86400, now)).toEqual({
    ok: false,
    reason: 'forged',
  });
  expect(verifyToken(['old'], token, 'confirm', 60 * 86400, now)).toEqual({
    ok: false,
    reason: 'wrong-purpose',
  });
  expect(verifyToken(['old'], token, 'unsubscribe', 60 * 86400, now + 61 * 86400)).toEqual({
    ok: false,
    reason: 'expired',
  });
  expect(
    verifyToken(['old'], `${token.split('.')[0]}x.${token.split('.')[1]}`, 'unsubscribe', 60 * 86400, now),
  ).toMatchObject({ ok: false });
  expect(verifyToken(['old'], 'garbage', 'unsubscribe', 60 * 86400, now)).toEqual({
    ok: false,
    reason: 'malformed',
  });
});

function buildToken(now: number): string {
  const headers = buildMessage(
    email,
    config,
    'weekly',
    { email: 'a@example.org' },
    'old',
    new Date(now * 1000),
  ).headers as Record<string, string>;
  return new URL(headers['List-Unsubscribe']!.slice(1, -1)).searchParams.get('token')!;
}

/** The command line end to end, on each engine a site can use (PostgreSQL through BULLETIN_DATABASE). */
describe.each(SITE_ENGINES)('from the command line on $name', (engine) => {
  if (engine.skip) {
    test.skip(`${engine.name}: ${engine.skip}`, () => undefined);
    return;
  }

  test('bulletin send and status from the command line, into the outbox', async () => {
    const site = tempSite();
    const database = await engine.database(site.root);
    try {
      cpSync(join(repoRoot, 'bulletins', '2018-05-11'), join(site.root, 'bulletins', '2018-05-11'), {
        recursive: true,
      });
      writeFileSync(join(site.root, 'members.csv'), 'email,name\nann@example.org,Ann\nbob@example.org,\n');
      expect(
        bulletin(['subscribers', 'import', 'members.csv', '--list', 'weekly'], site.root, database.env)
          .status,
      ).toBe(0);
      const env = { ...database.env, BULLETIN_SECRET: 'cli-secret', SMTP_URL: '' };
      const old = bulletin(['send', '2018-05-11', '--list', 'weekly'], site.root, env);
      expect(old).toMatchObject({ status: 1, stderr: expect.stringContaining('--force') });
      const dry = JSON.parse(
        bulletin(['send', '2018-05-11', '--list', 'weekly', '--dry-run', '--force', '--json'], site.root, env)
          .stdout,
      );
      expect(dry).toMatchObject({ ok: true, recipients: 2, sample: ['ann@example.org', 'bob@example.org'] });
      const sent = bulletin(['send', '2018-05-11', '--list', 'weekly', '--force', '--json'], site.root, env);
      expect(sent.status).toBe(0);
      expect(JSON.parse(sent.stdout).counts).toMatchObject({ sent: 2, pending: 0 });
      expect(readdirSync(join(site.root, '.bulletin', 'outbox', '2018-05-11', 'weekly')).sort()).toEqual([
        'ann@example.org.eml',
        'bob@example.org.eml',
      ]);
      expect(
        JSON.parse(
          bulletin(['send', '2018-05-11', '--list', 'weekly', '--force', '--json'], site.root, env).stdout,
        ).counts.sent,
      ).toBe(2);
      expect(
        JSON.parse(bulletin(['status', '2018-05-11', '--json'], site.root, env).stdout).lists.weekly,
      ).toMatchObject({ sent: 2, failed: 0, unknown: 0 });
      const test = bulletin(
        ['send', '2018-05-11', '--list', 'weekly', '--to', 'Editor@Example.org'],
        site.root,
        env,
      );
      expect(test).toMatchObject({
        status: 0,
        stderr: expect.stringContaining('Test message sent to editor@example.org'),
      });
      // Tests go apart from the list's messages, each kept.
      const tests = join(site.root, '.bulletin', 'outbox', '2018-05-11', '_tests');
      const [testFile] = readdirSync(tests);
      expect(testFile).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z-\d+-0-editor@example\.org\.eml$/);
      expect(readFileSync(join(tests, testFile!), 'utf8')).toContain(
        'Subject: [Test] The giants are still learning to dance',
      );
      expect(
        bulletin(['send', '2018-05-11', '--list', 'weekly', '--to', 'editor@example.org'], site.root, env)
          .status,
      ).toBe(0);
      expect(readdirSync(tests)).toHaveLength(2);
      expect(readdirSync(join(site.root, '.bulletin', 'outbox', '2018-05-11', 'weekly')).sort()).toEqual([
        'ann@example.org.eml',
        'bob@example.org.eml',
      ]);
    } finally {
      site.remove();
    }
  }, 60_000);

  test('an unknown outcome is not resent by a later send, only with --resend-unknown', async () => {
    const site = tempSite();
    const server = await startSmtpServer({
      dropAfterData: (to, attempt) => to.includes('lost@example.org') && attempt === 1,
    });
    const database = await engine.database(site.root);
    try {
      cpSync(join(repoRoot, 'bulletins', '2018-05-11'), join(site.root, 'bulletins', '2018-05-11'), {
        recursive: true,
      });
      writeFileSync(join(site.root, 'members.csv'), 'email\nlost@example.org\nok@example.org\n');
      expect(
        bulletin(['subscribers', 'import', 'members.csv', '--list', 'weekly'], site.root, database.env)
          .status,
      ).toBe(0);
      const env = { ...database.env, BULLETIN_SECRET: 'cli-secret', SMTP_URL: server.url };
      const args = ['send', '2018-05-11', '--list', 'weekly', '--force', '--json', '--concurrency', '1'];
      // Not spawnSync: the SMTP server runs in this process, and a blocked event loop would starve it.
      const send = async (extra: string[] = []) => {
        const result = await spawnBulletin([...args, ...extra], site.root, env).done;
        return { status: result.status, counts: JSON.parse(result.stdout).counts, stderr: result.stderr };
      };
      const first = await send();
      expect(first).toMatchObject({ status: 1, counts: { sent: 1, unknown: 1 } });
      const again = await send();
      expect(again).toMatchObject({ status: 1, counts: { sent: 1, unknown: 1 } });
      expect(server.deliveredTo('lost@example.org')).toBe(1);
      const resent = await send(['--resend-unknown']);
      expect(resent).toMatchObject({ status: 0, counts: { sent: 2, unknown: 0 } });
      expect(server.deliveredTo('lost@example.org')).toBe(2);
      expect(server.deliveredTo('ok@example.org')).toBe(1);
    } finally {
      await server.close();
      site.remove();
    }
  }, 60_000);
});

test('a server that closes every few messages, or stops answering, loses nobody and repeats nobody', async () => {
  const closing = await startSmtpServer({ closeEvery: 2 });
  const addresses = Array.from({ length: 9 }, (_, i) => `r${i}@example.org`);
  const first = await setUp(addresses);
  const transport = smtpTransport({ url: closing.url, connections: 1 });
  try {
    const summary = await runSend(first.job, first.store, first.ledger, transport, {
      ...settings,
      concurrency: 1,
    });
    const rows = await first.ledger.rows('2018-05-11', 'weekly');
    // Every address is either delivered once, or recorded with its reason (a connection closed under it).
    for (const row of rows) {
      if (row.state === 'sent') expect(closing.deliveredTo(row.email)).toBe(1);
      else expect(closing.deliveredTo(row.email)).toBeLessThanOrEqual(1);
      expect(['sent', 'unknown']).toContain(row.state);
      if (row.state === 'unknown') expect(row.detail).toMatch(/closed|ECONN/i);
    }
    expect(summary.counts.sent).toBeGreaterThanOrEqual(5);
    expect(summary.counts.pending).toBe(0);
  } finally {
    await transport.close();
    await closing.close();
    await first.close();
  }
  rmSync(join(dir, 'bulletin.db'), { force: true });

  const silent = await startSmtpServer({ hangAfterData: (to) => to.includes('r3@example.org') });
  const second = await setUp(addresses);
  const patient = smtpTransport({ url: silent.url, connections: 1, timeoutMs: 300 });
  try {
    const summary = await runSend(second.job, second.store, second.ledger, patient, {
      ...settings,
      concurrency: 1,
    });
    expect(summary.counts).toMatchObject({ sent: 8, unknown: 1, pending: 0 });
    expect((await second.ledger.rows('2018-05-11', 'weekly', 'unknown')).map((r) => r.email)).toEqual([
      'r3@example.org',
    ]);
    for (const address of addresses) expect(silent.deliveredTo(address)).toBe(1);
  } finally {
    await patient.close();
    await silent.close();
    await second.close();
  }
}, 60_000);
