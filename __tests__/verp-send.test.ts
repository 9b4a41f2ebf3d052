import { generateKeyPairSync } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { MAX_BOUNCE_LOCAL_PART, readVerpToken } from '../src/dispatch/verp.js';
import { SqliteSubscriberStore } from '../src/store/sqlite/subscribers.js';
import { bulletin, type CheckReport, repoRoot, spawnBulletin } from './helpers/cli.js';
import { tempSite } from './helpers/site.js';
import { startSmtpServer } from './helpers/smtp.js';

const ISSUE = '2018-05-11';
const SECRET = 'verp-send-secret';
const FROM = 'bulletin@wyhpartnership.example';
const READERS = ['ann@example.org', 'bob@example.org', 'cy@example.org'];
const FEEDBACK_ID = `${ISSUE}:weekly:bulletin.wyhpartnership.example:bulletin`;

/** The seed issue, three subscribers, and `dispatch:` as given (YAML lines under it). */
function site(dispatch: string[]) {
  const made = tempSite();
  cpSync(join(repoRoot, 'bulletins', ISSUE), join(made.root, 'bulletins', ISSUE), { recursive: true });
  writeFileSync(join(made.root, 'members.csv'), `email\n${READERS.join('\n')}\n`);
  const imported = bulletin(['subscribers', 'import', 'members.csv', '--list', 'weekly'], made.root);
  expect(imported.stderr).toMatch(/weekly: 3 added/);
  expect(imported.status).toBe(0);
  if (dispatch.length) {
    const config = join(made.root, 'bulletin.config.yaml');
    const lines = dispatch.map((line) => `  ${line}`).join('\n');
    writeFileSync(config, `${readFileSync(config, 'utf8')}\ndispatch:\n${lines}\n`);
  }
  return made;
}

/** A real `bulletin send` through the compiled CLI to a real SMTP server in this process. */
async function sendThrough(root: string, extra: string[] = []) {
  const server = await startSmtpServer();
  try {
    const args = ['send', ISSUE, '--list', 'weekly', '--force', ...extra];
    const env = { BULLETIN_SECRET: SECRET, SMTP_URL: server.url };
    const result = await spawnBulletin(args, root, env).done;
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
    return await Promise.all(
      server.received.map(async (r) => ({ from: r.from, to: r.to, mail: await server.parse(r) })),
    );
  } finally {
    await server.close();
  }
}

const header = (mail: { headerLines: readonly { key: string; line: string }[] }, name: string) =>
  mail.headerLines.find((h) => h.key === name)?.line.replace(/^[^:]+:\s*/, '');

test('with dispatch.bounces.address, each message goes out from its own signed bounce address', async () => {
  const made = site(['bounces:', '  address: bounces@wyhpartnership.example']);
  try {
    const sent = await sendThrough(made.root);
    expect(sent.flatMap((m) => m.to).sort()).toEqual(READERS);
    const store = new SqliteSubscriberStore(join(made.root, '.bulletin', 'bulletin.db'));
    try {
      for (const { from, to, mail } of sent) {
        // The envelope names the message; the From a reader sees is as before.
        expect(from).toMatch(/^bounces\+[a-z2-7]+@wyhpartnership\.example$/);
        expect(from.split('@')[0]!.length).toBeLessThanOrEqual(64);
        expect(mail.from?.value).toEqual([{ address: FROM, name: 'WY&H Partnership Communications' }]);
        expect(header(mail, 'feedback-id')).toBe(FEEDBACK_ID);
        const reading = readVerpToken([SECRET], from.slice('bounces+'.length, from.indexOf('@')), ['weekly']);
        if (!reading.ok) throw new Error(`${from}: ${reading.reason}`);
        expect(reading.ref.issue).toBe(ISSUE);
        expect(reading.ref.list).toBe('weekly');
        // The token names this message's own reader, by id, not by address.
        expect(await store.emailOf(reading.ref.subscriberId)).toBe(to[0]);
        expect(from).not.toContain(to[0]!.split('@')[0]!);
      }
      expect(new Set(sent.map((m) => m.from)).size).toBe(READERS.length);
    } finally {
      await store.close();
    }
    // A test message (`send --to`) belongs to no subscriber: it goes out from the bounce address itself.
    const test = await sendThrough(made.root, ['--to', 'editor@example.org']);
    expect(test.map((m) => [m.from, m.to])).toEqual([
      ['bounces@wyhpartnership.example', ['editor@example.org']],
    ]);
  } finally {
    made.remove();
  }
}, 60_000);

test('without dispatch.bounces.address, the envelope sender stays the From address', async () => {
  const made = site([]);
  try {
    const sent = await sendThrough(made.root);
    expect(sent).toHaveLength(READERS.length);
    for (const { from, mail } of sent) {
      expect(from).toBe(FROM);
      expect(header(mail, 'feedback-id')).toBe(FEEDBACK_ID);
    }
  } finally {
    made.remove();
  }
}, 60_000);

test('Feedback-ID is among the DKIM-signed headers', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const txt = `v=DKIM1; k=rsa; p=${(publicKey.export({ type: 'spki', format: 'der' }) as Buffer).toString('base64')}`;
  const made = site(['dkim:', '  domain: wyhpartnership.example', '  selector: s1']);
  try {
    const sent = bulletin(['send', ISSUE, '--list', 'weekly', '--force'], made.root, {
      DKIM_PRIVATE_KEY: pem,
      BULLETIN_SECRET: SECRET,
    });
    expect(sent.status).toBe(0);
    const outbox = join(made.root, '.bulletin', 'outbox', ISSUE, 'weekly');
    expect(readdirSync(outbox)).toHaveLength(READERS.length);
    const message = readFileSync(join(outbox, 'ann@example.org.eml'));
    const resolver = async (name: string, type: string) => {
      if (name === 's1._domainkey.wyhpartnership.example' && type === 'TXT') return [[txt]];
      throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
    };
    const { results } = await dkimVerify(message, { resolver });
    expect(results.map((r) => r.status.result)).toEqual(['pass']);
    expect(results[0]!.signingHeaders.keys.toLowerCase().split(': ')).toContain('feedback-id');
  } finally {
    made.remove();
  }
}, 60_000);

test('a bounce address that leaves no room for the token, or has a "+" already, is refused where it is written', () => {
  for (const address of [
    `${'b'.repeat(MAX_BOUNCE_LOCAL_PART + 1)}@wyhpartnership.example`,
    'mail+bounces@wyhpartnership.example',
  ]) {
    const made = site(['bounces:', `  address: ${address}`]);
    try {
      const check = bulletin(['check', ISSUE, '--json'], made.root);
      expect(check.status).not.toBe(0);
      const report = JSON.parse(check.stdout) as CheckReport;
      expect(report.config.map((p) => [p.file, p.code])).toEqual([
        ['bulletin.config.yaml', 'config-invalid'],
      ]);
      const lines = readFileSync(join(made.root, 'bulletin.config.yaml'), 'utf8').split('\n');
      expect(lines[report.config[0]!.line - 1]).toContain(address);
      expect(report.config[0]!.message).toContain(`"${address}"`);
      expect(report.config[0]!.message).toMatch(new RegExp(`at most ${MAX_BOUNCE_LOCAL_PART} characters`));
      // Nothing goes out with it.
      const send = bulletin(['send', ISSUE, '--list', 'weekly', '--force'], made.root, {
        BULLETIN_SECRET: SECRET,
      });
      expect(send.status).not.toBe(0);
      expect(send.stderr).toContain(`"${address}"`);
      expect(() => readdirSync(join(made.root, '.bulletin', 'outbox'))).toThrow();
    } finally {
      made.remove();
    }
  }
}, 60_000);
