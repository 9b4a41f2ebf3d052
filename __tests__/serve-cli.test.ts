import { cpSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { bulletin, repoRoot, spawnBulletin } from './helpers/cli.js';
import { originOf, startServe } from './helpers/serve.js';
import { tempSite } from './helpers/site.js';
import { startSmtpServer } from './helpers/smtp.js';

/** A key as long as production asks for (32 bytes or more). */
const LONG_SECRET = 'serve-cli-test-secret-of-forty-eight-characters!';

/** `bulletin serve` as an operator runs it: the URLs it prints, production rules, a clean stop. */
test('serve prints its URLs, answers, refuses production without a secret, and stops cleanly on SIGTERM', async () => {
  const site = tempSite();
  try {
    cpSync(join(repoRoot, 'bulletins'), join(site.root, 'bulletins'), { recursive: true });
    expect(bulletin(['build', '--all'], site.root).status).toBe(0);

    const refused = await spawnBulletin(['serve', '--port', '0'], site.root, {
      NODE_ENV: 'production',
      BULLETIN_SECRET: '',
    }).done;
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(
      'BULLETIN_SECRET is not set; in production Bulletin will not sign links with a made-up key',
    );
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    const noSmtp = await spawnBulletin(['serve', '--port', '0'], site.root, {
      NODE_ENV: 'production',
      BULLETIN_SECRET: LONG_SECRET,
      SMTP_URL: '',
    }).done;
    expect(noSmtp.status).toBe(1);
    expect(noSmtp.stderr).toContain(
      'SMTP_URL is not set; in production the subscription service would only write confirmation emails',
    );

    const server = startServe(site.root, { BULLETIN_SECRET: 'serve-test', BULLETIN_BASE_URL: '' });
    const origin = await originOf(server);
    expect((await fetch(`${origin}/healthz`)).status).toBe(200);
    expect((await fetch(`${origin}/subscribe`)).status).toBe(200);
    expect((await fetch(`${origin}/`)).status).toBe(200);
    const stopped = await server.stop();
    expect(stopped.status).toBe(0);
    expect(stopped.stderr).toContain(`subscribe          ${origin}/subscribe`);
    expect(stopped.stderr).toContain(
      'links in mail lead to https://bulletin.wyhpartnership.example (site.baseUrl',
    );
    expect(stopped.stderr).toContain('Stopping: finishing the requests in flight.');
    expect(stopped.stderr).not.toMatch(/Deprecation|Warning/);
    // One JSON line per request on stdout, tokens and addresses left out.
    const lines = stopped.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { req?: { url: string }; res?: { statusCode: number } });
    expect(lines.filter((l) => l.req).map((l) => `${l.req!.url} ${l.res!.statusCode}`)).toEqual([
      '/healthz 200',
      '/subscribe 200',
      '/ 200',
    ]);
  } finally {
    site.remove();
  }
}, 90_000);

describe('serve and send refuse what would fail later', () => {
  const site = tempSite();
  beforeAll(() => {
    cpSync(join(repoRoot, 'bulletins'), join(site.root, 'bulletins'), { recursive: true });
    expect(bulletin(['build', '--all'], site.root).status).toBe(0);
  });
  afterAll(() => site.remove());

  test('a port already in use: exit 1 at once with one line naming the port, no hang', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as AddressInfo;
    try {
      const started = Date.now();
      const server = spawnBulletin(['serve', '--port', String(port)], site.root, {
        BULLETIN_SECRET: LONG_SECRET,
      });
      const timer = setTimeout(() => server.child.kill('SIGKILL'), 15_000);
      const result = await server.done;
      clearTimeout(timer);
      expect(result.status).toBe(1);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(result.stderr).toContain(`bulletin: port ${port} on 127.0.0.1 is already in use`);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  }, 30_000);

  test('a BULLETIN_SECRET shorter than 32 bytes is refused in production by serve and send, saying how to make one', async () => {
    const short = 'only-twenty-one-chars';
    const serving = spawnBulletin(['serve', '--port', '0'], site.root, {
      NODE_ENV: 'production',
      BULLETIN_SECRET: short,
      SMTP_URL: 'smtp://127.0.0.1:9',
    });
    // Before the fix it served for ever: stop it, so the test fails instead of hanging.
    const timer = setTimeout(() => serving.child.kill('SIGKILL'), 15_000);
    const served = await serving.done;
    clearTimeout(timer);
    const sent = bulletin(['send', '2018-05-25', '--list', 'weekly', '--force', '--dry-run'], site.root, {
      NODE_ENV: 'production',
      BULLETIN_SECRET: short,
    });
    for (const result of [served, sent]) {
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(
        'BULLETIN_SECRET is 21 bytes long; in production it must be at least 32',
      );
      expect(result.stderr).toContain('openssl rand -base64 48');
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
    const previous = bulletin(['send', '2018-05-25', '--list', 'weekly', '--force', '--dry-run'], site.root, {
      NODE_ENV: 'production',
      BULLETIN_SECRET: LONG_SECRET,
      BULLETIN_SECRET_PREVIOUS: 'short',
    });
    expect(previous.status).toBe(1);
    expect(previous.stderr).toContain('BULLETIN_SECRET_PREVIOUS is 5 bytes long');
    // Outside production a short key still works (tests and a first try on a laptop).
    expect(
      bulletin(['send', '2018-05-25', '--list', 'weekly', '--force', '--dry-run'], site.root, {
        BULLETIN_SECRET: short,
      }).status,
    ).toBe(0);
  }, 60_000);
});

test('confirmation mail queued when the server is killed (-9) goes out after the restart', async () => {
  const site = tempSite();
  const smtp = await startSmtpServer();
  try {
    cpSync(join(repoRoot, 'bulletins'), join(site.root, 'bulletins'), { recursive: true });
    expect(bulletin(['build', '--all'], site.root).status).toBe(0);
    const env = { BULLETIN_SECRET: LONG_SECRET, SMTP_URL: smtp.url };
    // The first server holds its mail for a minute: long enough to be killed with it unsent.
    const first = startServe(site.root, { ...env, BULLETIN_SERVICE_MAIL_DELAY_MS: '60000' });
    const origin = await originOf(first);
    const answer = await fetch(`${origin}/subscribe`, {
      method: 'POST',
      body: new URLSearchParams({ email: 'kept@example.org', lists: 'weekly' }),
    });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('Check your inbox');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.deliveredTo('kept@example.org')).toBe(0);
    const killed = await first.kill('SIGKILL');
    expect(killed.status).toBe(128);

    const second = startServe(site.root, env);
    try {
      await second.until(/Serving at/);
      for (let i = 0; i < 200 && smtp.deliveredTo('kept@example.org') === 0; i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(smtp.deliveredTo('kept@example.org')).toBe(1);
      const mail = await smtp.parse(smtp.received.find((r) => r.to.includes('kept@example.org'))!);
      expect(mail.subject).toMatch(/^Confirm your subscription/);
      expect(mail.text).toMatch(/\/confirm\?token=[\w-]+\.[\w-]+/);
    } finally {
      expect((await second.stop()).status).toBe(0);
    }
    // Sent once: a third start has nothing left to send.
    const third = startServe(site.root, env);
    await third.until(/Serving at/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await third.stop();
    expect(smtp.deliveredTo('kept@example.org')).toBe(1);
  } finally {
    await smtp.close();
    site.remove();
  }
}, 120_000);
