import { createHmac, randomBytes } from 'node:crypto';
import { appendFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { bulletin, repoRoot, spawnBulletin } from './helpers/cli.js';
import { originOf, startServe } from './helpers/serve.js';
import { tempSite } from './helpers/site.js';

/** `bulletin serve` with a provider webhook turned on in the config, as an operator runs it. */
const SIGNING_KEY = 'serve-webhook-signing-key';

describe('serve with dispatch.bounces.webhooks', () => {
  const site = tempSite();
  beforeAll(() => {
    cpSync(join(repoRoot, 'bulletins'), join(site.root, 'bulletins'), { recursive: true });
    appendFileSync(
      join(site.root, 'bulletin.config.yaml'),
      '\ndispatch:\n  bounces:\n    webhooks:\n      mailgun: true\n',
    );
    expect(bulletin(['build', '--all'], site.root).status).toBe(0);
    expect(bulletin(['subscribers', 'add', 'gone@example.org', '--list', 'weekly'], site.root).status).toBe(
      0,
    );
  });
  afterAll(() => site.remove());

  test('a provider turned on without its key: exit 1 at once, one line naming the variable', async () => {
    const result = await spawnBulletin(['serve', '--port', '0'], site.root, {
      BULLETIN_SECRET: 'serve-test',
      BULLETIN_MAILGUN_SIGNING_KEY: '',
    }).done;
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      'dispatch.bounces.webhooks.mailgun is on, but BULLETIN_MAILGUN_SIGNING_KEY is not set',
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  test('with its key: the route is listed, a forged event refused, a signed one acted on', async () => {
    const server = startServe(site.root, {
      BULLETIN_SECRET: 'serve-test',
      BULLETIN_MAILGUN_SIGNING_KEY: SIGNING_KEY,
    });
    try {
      const origin = await originOf(server);
      await server.until(/provider webhooks/);
      expect(server.said()).toContain(`provider webhooks  ${origin}/webhooks/mailgun`);
      const signed = (key: string) => {
        const timestamp = String(Math.floor(Date.now() / 1000));
        const token = randomBytes(25).toString('hex');
        const signature = createHmac('sha256', key).update(`${timestamp}${token}`).digest('hex');
        return { timestamp, token, signature };
      };
      const event = {
        id: 'evt-1',
        event: 'failed',
        severity: 'permanent',
        recipient: 'gone@example.org',
        timestamp: Date.now() / 1000,
        message: { headers: { 'message-id': 'serve-test@mg.example.org' } },
      };
      const send = (key: string) =>
        fetch(`${origin}/webhooks/mailgun`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ signature: signed(key), 'event-data': event }),
        });
      expect((await send('forged')).status).toBe(403);
      expect((await send(SIGNING_KEY)).status).toBe(200);
      await server.until(/webhooks: 1 mailgun hard suppressed/);
      expect(server.said()).not.toContain('gone@example.org');
    } finally {
      await server.stop();
    }
    expect(server.said()).not.toContain(SIGNING_KEY);
    // The hard bounce is on the record, with its evidence, and the address is out of every send.
    const exported = bulletin(['subscribers', 'export'], site.root).stdout;
    const row = exported.split('\n').find((line) => line.startsWith('gone@example.org'));
    expect(row).toMatch(/,weekly,bounced,/);
    expect(row).toContain('serve-test@mg.example.org');
  });
});
