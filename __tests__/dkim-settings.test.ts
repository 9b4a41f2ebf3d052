import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { bulletin, repoRoot } from './helpers/cli.js';
import { tempSite } from './helpers/site.js';

const ISSUE = '2018-05-11';
const SELECTOR = 'bulletin2026';

function rsaKey(bits: number): { pem: string; txt: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return { pem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, txt: txtRecord(publicKey) };
}

function txtRecord(publicKey: KeyObject): string {
  return `v=DKIM1; k=rsa; p=${(publicKey.export({ type: 'spki', format: 'der' }) as Buffer).toString('base64')}`;
}

/** The seed issue, one subscriber, and `dispatch.dkim` for `domain`, with From at `from`. */
function siteSigningAs(domain: string, from = 'bulletin@wyhpartnership.example') {
  const site = tempSite();
  cpSync(join(repoRoot, 'bulletins', ISSUE), join(site.root, 'bulletins', ISSUE), { recursive: true });
  const config = join(site.root, 'bulletin.config.yaml');
  const text = readFileSync(config, 'utf8').replace(
    'email: bulletin@wyhpartnership.example',
    `email: ${from}`,
  );
  writeFileSync(config, `${text}\ndispatch:\n  dkim:\n    domain: ${domain}\n    selector: ${SELECTOR}\n`);
  expect(bulletin(['subscribers', 'add', 'ann@example.org', '--list', 'weekly'], site.root).status).toBe(0);
  return site;
}

const send = (root: string, pem: string, extra: string[] = []) =>
  bulletin(['send', ISSUE, '--list', 'weekly', '--force', ...extra], root, {
    DKIM_PRIVATE_KEY: pem,
    BULLETIN_SECRET: 'dkim-settings',
  });

const outbox = (root: string) => join(root, '.bulletin', 'outbox', ISSUE, 'weekly');

/** The python3 that has dkimpy (pyenv's may shadow Debian's); none means skip, loudly, except under CI. */
function pythonWithDkim(): string | undefined {
  for (const python of ['python3', '/usr/bin/python3']) {
    if (spawnSync(python, ['-c', 'import dkim'], { encoding: 'utf8' }).status === 0) return python;
  }
  if (process.env.CI)
    throw new Error('CI is set but python3 cannot import dkim: .ci/run must apt-get install python3-dkim.');
  console.warn(
    '\n*** SKIPPING THE dkimpy CHECK: python3 cannot import dkim. Install it with: apt-get install -y python3-dkim ***\n',
  );
  return undefined;
}

/** dkimpy's verdict on a message, with DNS answered by `txt` for our selector only. */
function dkimpyVerifies(python: string, message: Buffer, domain: string, txt: string): string {
  const script = [
    'import sys, dkim',
    'name, txt = sys.argv[1].encode(), sys.argv[2].encode()',
    'def dns(query, timeout=5):',
    '    return txt if query.rstrip(b".") == name else None',
    'print("pass" if dkim.verify(sys.stdin.buffer.read(), dnsfunc=dns) else "fail")',
  ].join('\n');
  const result = spawnSync(python, ['-c', script, `${SELECTOR}._domainkey.${domain}`, txt], {
    input: message,
    encoding: 'utf8',
  });
  return `${result.stdout.trim()}${result.stderr.trim() ? ` (${result.stderr.trim()})` : ''}`;
}

describe('DKIM settings are checked before anything is signed', () => {
  test('a key under 1024 bits is refused, under 2048 is a warning, 2048 goes quietly', () => {
    const site = siteSigningAs('wyhpartnership.example');
    try {
      const weak = send(site.root, rsaKey(512).pem);
      expect(weak.status).toBe(1);
      expect(weak.stderr).toMatch(/DKIM key from DKIM_PRIVATE_KEY is 512 bits/);
      expect(weak.stderr).toMatch(/2048/);
      expect(() => readdirSync(outbox(site.root))).toThrow();

      const short = send(site.root, rsaKey(1024).pem);
      expect(short.status).toBe(0);
      expect(short.stderr).toMatch(/warning: the DKIM key from DKIM_PRIVATE_KEY is 1024 bits/);

      const good = send(site.root, rsaKey(2048).pem);
      expect(good.status).toBe(0);
      expect(good.stderr).not.toMatch(/bits/);
    } finally {
      site.remove();
    }
  }, 120_000);

  test('a d= domain that does not align with the From domain is refused, naming the settings', () => {
    const { pem } = rsaKey(2048);
    const refused = [
      ['mailer.example.net', 'bulletin@wyhpartnership.example'],
      ['co.uk', 'bulletin@partnership.co.uk'],
      ['example', 'bulletin@wyhpartnership.example'],
    ];
    for (const [domain, from] of refused) {
      const site = siteSigningAs(domain!, from);
      try {
        const result = send(site.root, pem);
        expect([domain, result.status]).toEqual([domain, 1]);
        expect(result.stderr).toContain(`dispatch.dkim.domain "${domain}"`);
        expect(result.stderr).toContain('sender.from.email');
        expect(() => readdirSync(outbox(site.root))).toThrow();
      } finally {
        site.remove();
      }
    }
    // Relaxed alignment: the same organisational domain, either way round.
    for (const [domain, from] of [
      ['wyhpartnership.example', 'bulletin@news.wyhpartnership.example'],
      ['mail.wyhpartnership.example', 'bulletin@wyhpartnership.example'],
    ]) {
      const site = siteSigningAs(domain!, from);
      try {
        expect([domain, send(site.root, pem).status]).toEqual([domain, 0]);
      } finally {
        site.remove();
      }
    }
  }, 120_000);

  test('a d= or selector that is not a valid DNS name is refused with its own message, before anything is sent', () => {
    const { pem } = rsaKey(2048);
    const malformed = [
      ['domain', '.wyhpartnership.example.'],
      ['domain', 'wyhpartnership.example..'],
      ['domain', 'wyhpartnership.example/x'],
      ['domain', '-mail.wyhpartnership.example'],
      ['domain', 'mail_out.wyhpartnership.example'],
      ['domain', `${'a'.repeat(64)}.wyhpartnership.example`],
      ['domain', `${'abcdefghi.'.repeat(25)}wyhpartnership.example`],
      ['selector', 'bulletin/2026'],
      ['selector', 'bulletin..2026'],
      ['selector', '_bulletin'],
    ];
    for (const [setting, value] of malformed) {
      const site = siteSigningAs(setting === 'domain' ? `"${value}"` : 'wyhpartnership.example');
      try {
        const config = join(site.root, 'bulletin.config.yaml');
        if (setting === 'selector') {
          writeFileSync(
            config,
            readFileSync(config, 'utf8').replace(`selector: ${SELECTOR}`, `selector: "${value}"`),
          );
        }
        const result = send(site.root, pem);
        expect([value, result.status]).toEqual([value, 1]);
        expect(result.stderr).toContain(`dispatch.dkim.${setting} "${value}"`);
        expect(result.stderr).toMatch(/not a valid DNS name/);
        expect(result.stderr).not.toMatch(/public suffix/);
        expect(() => readdirSync(outbox(site.root))).toThrow();
      } finally {
        site.remove();
      }
    }
  }, 120_000);

  test('d= is signed in its normal form: no trailing dot, lower case, punycode for a Unicode name', () => {
    const { pem } = rsaKey(2048);
    const accepted = [
      ['WyhPartnership.Example.', 'bulletin@wyhpartnership.example', 'wyhpartnership.example'],
      ['bücher.example', 'bulletin@news.xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ];
    for (const [domain, from, signed] of accepted) {
      const site = siteSigningAs(`"${domain}"`, from);
      try {
        const result = send(site.root, pem);
        expect([domain, result.status]).toEqual([domain, 0]);
        expect(result.stderr).not.toMatch(/dispatch\.dkim/);
        const eml = readFileSync(join(outbox(site.root), 'ann@example.org.eml'), 'latin1');
        expect(eml).toContain(`d=${signed};`);
      } finally {
        site.remove();
      }
    }
  }, 120_000);

  test('outbox .eml files are signed, in CRLF, and verify with two independent verifiers', async () => {
    const site = siteSigningAs('wyhpartnership.example');
    const { pem, txt } = rsaKey(2048);
    try {
      expect(send(site.root, pem).status).toBe(0);
      expect(
        bulletin(['send', ISSUE, '--list', 'weekly', '--to', 'editor@example.org'], site.root, {
          DKIM_PRIVATE_KEY: pem,
        }).status,
      ).toBe(0);
      const tests = join(site.root, '.bulletin', 'outbox', ISSUE, '_tests');
      const files = [
        join(outbox(site.root), 'ann@example.org.eml'),
        ...readdirSync(tests).map((f) => join(tests, f)),
      ];
      expect(files).toHaveLength(2);
      const python = pythonWithDkim();
      for (const file of files) {
        const message = readFileSync(file);
        const text = message.toString('latin1');
        // Exactly the bytes SMTP carries: every line ends CRLF, no bare LF or CR.
        expect(text.endsWith('\r\n')).toBe(true);
        expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
        const resolver = async (name: string, type: string) => {
          if (name === `${SELECTOR}._domainkey.wyhpartnership.example` && type === 'TXT') return [[txt]];
          throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
        };
        const { results } = await dkimVerify(message, { resolver });
        expect(results.map((r) => r.status.result)).toEqual(['pass']);
        expect(results[0]!.signingHeaders.keys.toLowerCase().split(': ')).toEqual(
          expect.arrayContaining(['list-unsubscribe', 'list-unsubscribe-post']),
        );
        if (python) expect(dkimpyVerifies(python, message, 'wyhpartnership.example', txt)).toBe('pass');
      }
    } finally {
      site.remove();
    }
  }, 120_000);
});
