import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { bulletin, repoRoot, spawnBulletin } from './helpers/cli.js';
import { tempSite } from './helpers/site.js';

/** `bulletin serve` as an operator runs it: the URLs it prints, production rules, a clean stop. */
test('serve prints its URLs, answers, refuses production without a secret, and stops cleanly on SIGTERM', async () => {
  const site = tempSite();
  try {
    cpSync(join(repoRoot, 'bulletins'), join(site.root, 'bulletins'), { recursive: true });
    expect(bulletin(['build', '--all'], site.root).status).toBe(0);

    const refused = await spawnBulletin(['serve', '--port', '0'], site.root, { NODE_ENV: 'production', BULLETIN_SECRET: '' }).done;
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('BULLETIN_SECRET is not set; in production Bulletin will not sign links with a made-up key');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    const noSmtp = await spawnBulletin(['serve', '--port', '0'], site.root, { NODE_ENV: 'production', BULLETIN_SECRET: 'set', SMTP_URL: '' }).done;
    expect(noSmtp.status).toBe(1);
    expect(noSmtp.stderr).toContain('SMTP_URL is not set; in production the subscription service would only write confirmation emails');

    const server = spawnBulletin(['serve', '--port', '0'], site.root, { BULLETIN_SECRET: 'serve-test', BULLETIN_BASE_URL: '' });
    const origin = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('serve did not start')), 20_000);
      void server.done.then((result) => {
        clearTimeout(timer);
        reject(new Error(`serve stopped: ${result.stderr}`));
      });
      let text = '';
      server.child.stderr!.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const match = /Serving at (http:\/\/127\.0\.0\.1:\d+)\//.exec(text);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
    });
    expect((await fetch(`${origin}/healthz`)).status).toBe(200);
    expect((await fetch(`${origin}/subscribe`)).status).toBe(200);
    expect((await fetch(`${origin}/`)).status).toBe(200);
    server.child.kill('SIGTERM');
    const stopped = await server.done;
    expect(stopped.status).toBe(0);
    expect(stopped.stderr).toContain(`subscribe          ${origin}/subscribe`);
    expect(stopped.stderr).toContain('links in mail lead to https://bulletin.wyhpartnership.example (site.baseUrl');
    expect(stopped.stderr).toContain('Stopping: finishing the requests in flight.');
    expect(stopped.stderr).not.toMatch(/Deprecation|Warning/);
    // One JSON line per request on stdout, tokens and addresses left out.
    const lines = stopped.stdout.trim().split('\n').map((line) => JSON.parse(line) as { req?: { url: string }; res?: { statusCode: number } });
    expect(lines.filter((l) => l.req).map((l) => `${l.req!.url} ${l.res!.statusCode}`)).toEqual(['/healthz 200', '/subscribe 200', '/ 200']);
  } finally {
    site.remove();
  }
}, 90_000);
