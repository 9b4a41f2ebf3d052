import { generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { loadConfig } from '../src/content/config.js';
import { SqliteSendLedger } from '../src/store/sqlite/ledger.js';
import { buildMessage } from '../src/dispatch/message.js';
import { runSend } from '../src/dispatch/send.js';
import { smtpTransport } from '../src/dispatch/transports.js';
import { SqliteSubscriberStore } from '../src/store/sqlite/subscribers.js';
import { bulletin, repoRoot, spawnBulletin } from './helpers/cli.js';
import { buildInMemory, tempSite } from './helpers/site.js';
import { startSmtpServer } from './helpers/smtp.js';

const ISSUE = '2018-05-11';

/** A site with the seed issue and `count` subscribers on the weekly list. */
function siteWithSubscribers(count: number) {
  const site = tempSite();
  cpSync(join(repoRoot, 'bulletins', ISSUE), join(site.root, 'bulletins', ISSUE), { recursive: true });
  const rows = Array.from({ length: count }, (_, i) => `reader${String(i).padStart(3, '0')}@example.org`);
  writeFileSync(join(site.root, 'people.csv'), `email\n${rows.join('\n')}\n`);
  expect(bulletin(['subscribers', 'import', 'people.csv', '--list', 'weekly'], site.root).status).toBe(0);
  return { site, rows, database: join(site.root, '.bulletin', 'bulletin.db') };
}

test('Ctrl-C stops claiming, lets the messages in flight finish, and leaves a ledger the next run completes', async () => {
  const { site, rows, database } = siteWithSubscribers(60);
  const server = await startSmtpServer({ delayMs: 40 });
  try {
    const args = ['send', ISSUE, '--list', 'weekly', '--force', '--rate', '1000', '--concurrency', '2'];
    const env = { SMTP_URL: server.url, BULLETIN_SECRET: 'ctrl-c' };
    const first = spawnBulletin(args, site.root, env);
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (server.received.length >= 10) {
          clearInterval(poll);
          first.child.kill('SIGINT');
          resolve();
        }
      }, 2);
    });
    const stopped = await first.done;
    expect(stopped.status).toBe(1);
    expect(stopped.stderr).toContain('Stopping: no new messages; waiting for those in flight');
    expect(stopped.stderr).toMatch(/interrupted: in-flight messages finished/);

    const ledger = new SqliteSendLedger(database);
    const counts = (await ledger.counts(ISSUE, 'weekly')).weekly!;
    // Every message the server got is recorded sent; none is left in doubt; the rest wait.
    expect(counts.sending).toBe(0);
    expect(counts.unknown).toBe(0);
    expect(counts.sent).toBe(server.received.length);
    expect(counts.pending).toBe(rows.length - counts.sent);
    expect(counts.pending).toBeGreaterThan(0);

    const resumed = await spawnBulletin(args, site.root, env).done;
    expect(resumed.status).toBe(0);
    expect(resumed.stderr).toContain(`${counts.sent} already done by an earlier run`);
    expect((await ledger.counts(ISSUE, 'weekly')).weekly).toMatchObject({
      sent: rows.length,
      pending: 0,
      sending: 0,
    });
    await ledger.close();
    for (const address of rows) expect([address, server.deliveredTo(address)]).toEqual([address, 1]);
  } finally {
    await server.close();
    site.remove();
  }
}, 60_000);

describe('DKIM', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const dns = `v=DKIM1; k=rsa; p=${(publicKey.export({ type: 'spki', format: 'der' }) as Buffer).toString('base64')}`;

  function configureDkim(root: string, keyFile?: string) {
    const config = join(root, 'bulletin.config.yaml');
    // The real config has no dispatch block; a second call replaces the first one's.
    const text = readFileSync(config, 'utf8').replace(/\ndispatch:\n[\s\S]*$/, '\n');
    writeFileSync(
      config,
      `${text}\ndispatch:\n  dkim:\n    domain: wyhpartnership.example\n    selector: bulletin2026\n${keyFile ? `    privateKeyFile: ${keyFile}\n` : ''}`,
    );
  }

  test('signs every message, List-Unsubscribe and List-Unsubscribe-Post included, and the signature verifies', async () => {
    const { site, rows } = siteWithSubscribers(3);
    const server = await startSmtpServer();
    try {
      configureDkim(site.root, 'keys/dkim.pem');
      mkdirSync(join(site.root, 'keys'));
      writeFileSync(join(site.root, 'keys', 'dkim.pem'), pem);
      const sent = await spawnBulletin(['send', ISSUE, '--list', 'weekly', '--force'], site.root, {
        SMTP_URL: server.url,
        BULLETIN_SECRET: 'dkim',
      }).done;
      expect(sent.status).toBe(0);
      expect(server.received).toHaveLength(rows.length);
      for (const message of server.received) {
        const resolver = async (name: string, type: string) => {
          if (name === 'bulletin2026._domainkey.wyhpartnership.example' && type === 'TXT') return [[dns]];
          throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
        };
        const { results } = await dkimVerify(message.raw, { resolver });
        expect(results).toHaveLength(1);
        const result = results[0]!;
        expect(result.status.result).toBe('pass');
        expect(result.signingDomain).toBe('wyhpartnership.example');
        const signed = (result.signingHeaders.keys as string).toLowerCase().split(': ');
        expect(signed).toEqual(
          expect.arrayContaining([
            'from',
            'subject',
            'date',
            'message-id',
            'list-id',
            'list-unsubscribe',
            'list-unsubscribe-post',
          ]),
        );
      }
    } finally {
      await server.close();
      site.remove();
    }
  }, 60_000);

  test('takes the key from DKIM_PRIVATE_KEY, and refuses a bad or missing key before sending anything', async () => {
    const { site } = siteWithSubscribers(2);
    const server = await startSmtpServer();
    try {
      configureDkim(site.root);
      const env = { SMTP_URL: server.url, BULLETIN_SECRET: 'dkim' };
      const args = ['send', ISSUE, '--list', 'weekly', '--force'];

      const noKey = await spawnBulletin(args, site.root, env).done;
      expect(noKey.status).toBe(1);
      expect(noKey.stderr).toContain(
        'dispatch.dkim is configured but there is no key: set dispatch.dkim.privateKeyFile',
      );
      expect(noKey.stderr).not.toMatch(/\n\s+at /);

      const badKey = await spawnBulletin(args, site.root, { ...env, DKIM_PRIVATE_KEY: 'not a key' }).done;
      expect(badKey.status).toBe(1);
      expect(badKey.stderr).toContain('The DKIM key from DKIM_PRIVATE_KEY is not a usable private key');

      configureDkim(site.root, 'missing.pem');
      const missing = await spawnBulletin(args, site.root, env).done;
      expect(missing.status).toBe(1);
      expect(missing.stderr).toMatch(
        /Cannot read the DKIM key .*missing\.pem \(dispatch\.dkim\.privateKeyFile\): ENOENT/,
      );
      expect(server.received).toHaveLength(0);

      // A variable with escaped newlines, as hosts often pass a PEM.
      const fromEnv = await spawnBulletin(args, site.root, {
        ...env,
        DKIM_PRIVATE_KEY: pem.replace(/\n/g, '\\n'),
      }).done;
      expect(fromEnv.status).toBe(0);
      expect(server.received).toHaveLength(2);
      const signature = (await server.parse(server.received[0]!)).headerLines.find(
        (h) => h.key === 'dkim-signature',
      );
      expect(signature?.line.replace(/\s+/g, ' ')).toMatch(/ d=wyhpartnership\.example; .* s=bulletin2026;/);
    } finally {
      await server.close();
      site.remove();
    }
  }, 60_000);
});

test('the sliding-window cap counts earlier sends and holds the next message, and stopping then sends nothing', async () => {
  const { site, database } = siteWithSubscribers(2);
  const server = await startSmtpServer();
  const config = (await loadConfig(site.root)).config!;
  const email = (await buildInMemory(site.root, ISSUE)).email!;
  const store = new SqliteSubscriberStore(database);
  const ledger = new SqliteSendLedger(database);
  const transport = smtpTransport({ url: server.url, connections: 1 });
  const job = {
    issue: ISSUE,
    list: 'weekly',
    message: (to: { email: string; name: string | null }) =>
      buildMessage(email, config, 'weekly', to, 'window'),
  };
  const window = { messages: 2, ms: 3_600_000 };
  try {
    const started = Date.now();
    const first = await runSend(job, store, ledger, transport, {
      concurrency: 1,
      rate: 1000,
      window,
      maxAttempts: 1,
      retryBaseMs: 10,
      pauseAfterFailures: 5,
    });
    expect(first.counts.sent).toBe(2);

    // A third subscriber joins; the cap (2 an hour) is used up, so the send holds, about an hour.
    await store.addSubscriber('weekly', { email: 'late@example.org' }, 'subscribed', { source: 'test' });
    const abort = new AbortController();
    const waits: Date[] = [];
    const second = await runSend(job, store, ledger, transport, {
      concurrency: 1,
      rate: 1000,
      window,
      maxAttempts: 1,
      retryBaseMs: 10,
      pauseAfterFailures: 5,
      signal: abort.signal,
      onWait(until) {
        waits.push(until);
        abort.abort();
      },
    });
    expect(waits).toHaveLength(1);
    expect(waits[0]!.getTime()).toBeGreaterThanOrEqual(started + window.ms);
    expect(waits[0]!.getTime()).toBeLessThan(Date.now() + window.ms);
    expect(second.stopped).toMatch(/interrupted/);
    expect(second.counts).toMatchObject({ sent: 2, pending: 1, sending: 0 });
    expect(server.received).toHaveLength(2);
  } finally {
    await transport.close();
    await ledger.close();
    await store.close();
    await server.close();
    site.remove();
  }
}, 60_000);

test('a send with many connections, each waiting for its slot, warns of no listener leak', async () => {
  const { site } = siteWithSubscribers(120);
  const server = await startSmtpServer();
  try {
    // 32 connections at 400 a second: every message in flight waits a few ms for its slot at once,
    // each wait listening for a stop.
    const args = ['send', ISSUE, '--list', 'weekly', '--force', '--rate', '400', '--concurrency', '32'];
    const sent = await spawnBulletin(args, site.root, { SMTP_URL: server.url, BULLETIN_SECRET: 'many' }).done;
    expect(sent.status).toBe(0);
    expect(sent.stderr).not.toMatch(/Warning/);
    expect(server.received).toHaveLength(120);
  } finally {
    await server.close();
    site.remove();
  }
}, 60_000);
