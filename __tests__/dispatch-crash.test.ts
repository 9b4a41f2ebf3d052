import { spawn, spawnSync } from 'node:child_process';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, spawnBulletin } from './helpers/cli.js';
import { SITE_ENGINES } from './helpers/site-database.js';
import { tempSite } from './helpers/site.js';
import { startSmtpServer } from './helpers/smtp.js';

const cli = join(repoRoot, 'lib', 'src', 'cli', 'main.js');
const SUBSCRIBERS = 2000;

/**
 * The promise of the ledger: a send killed with SIGKILL at any moment and run again reaches
 * everyone, and the only addresses that can get the bulletin twice are those whose outcome was
 * unknown when the process died (and only because we then resend those deliberately).
 */
describe.each(SITE_ENGINES)('on $name', (engine) => {
  if (engine.skip) {
    test.skip(`${engine.name}: ${engine.skip}`, () => undefined);
    return;
  }

  test('a send killed with SIGKILL at random points and resumed reaches everyone, duplicating only unknown outcomes', async () => {
    const site = tempSite();
    const server = await startSmtpServer();
    const database = await engine.database(site.root);
    try {
      cpSync(join(repoRoot, 'bulletins', '2018-05-11'), join(site.root, 'bulletins', '2018-05-11'), {
        recursive: true,
      });
      const rows = Array.from(
        { length: SUBSCRIBERS },
        (_, i) => `reader${String(i).padStart(4, '0')}@example.org`,
      );
      writeFileSync(join(site.root, 'all.csv'), `email\n${rows.join('\n')}\n`);
      const imported = spawnSync(
        process.execPath,
        [cli, 'subscribers', 'import', 'all.csv', '--list', 'weekly'],
        { cwd: site.root, encoding: 'utf8', env: { ...process.env, ...database.env } },
      );
      expect(imported.status).toBe(0);
      const env = { ...process.env, ...database.env, SMTP_URL: server.url, BULLETIN_SECRET: 'crash-test' };
      const args = [
        cli,
        'send',
        '2018-05-11',
        '--list',
        'weekly',
        '--force',
        '--rate',
        '100000',
        '--concurrency',
        '4',
      ];

      const kills: number[] = [];
      for (let run = 0; run < 4; run++) {
        const before = server.received.length;
        const child = spawn(process.execPath, args, { cwd: site.root, env, stdio: 'ignore' });
        // Kill once some messages of this run have gone out, at a random point after that.
        const target = before + 50 + Math.floor(Math.random() * 300);
        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        const killer = setInterval(() => {
          if (server.received.length >= target) {
            child.kill('SIGKILL');
            clearInterval(killer);
          }
        }, 5);
        const code = await exited;
        clearInterval(killer);
        kills.push(server.received.length - before);
        if (code === 0) break;
      }

      const stores = await database.open();
      const ledger = stores.ledger;
      // A run that is not killed finishes what is pending; unknown outcomes stay unknown.
      // Not spawnSync: the SMTP server runs in this process, and a blocked event loop would starve it.
      const finish = await spawnBulletin(args.slice(1), site.root, env).done;
      const unknown = new Set((await ledger.rows('2018-05-11', 'weekly', 'unknown')).map((r) => r.email));
      expect(finish.status === 0 || unknown.size > 0).toBe(true);
      const pendingAfterResume = await ledger.rows('2018-05-11', 'weekly', 'pending');
      expect(pendingAfterResume).toEqual([]);
      // Then the unknown ones are resent on purpose.
      const resend = await spawnBulletin([...args.slice(1), '--resend-unknown'], site.root, env).done;
      expect(resend.status).toBe(0);
      const counts = (await ledger.counts('2018-05-11', 'weekly')).weekly!;
      await stores.close();
      expect(counts).toMatchObject({ sent: SUBSCRIBERS, pending: 0, sending: 0, unknown: 0, failed: 0 });

      const received = new Map<string, number>();
      for (const message of server.received)
        for (const to of message.to) received.set(to, (received.get(to) ?? 0) + 1);
      const missing = rows.filter((r) => !received.has(r));
      const duplicated = [...received].filter(([, n]) => n > 1).map(([address]) => address);
      expect(missing).toEqual([]);
      for (const address of duplicated) expect([address, unknown.has(address)]).toEqual([address, true]);
      console.log(
        `crash test on ${engine.name}: messages per killed run ${kills.join(', ')}; ${unknown.size} unknown outcomes resent, ${duplicated.length} of them had arrived before`,
      );
    } finally {
      await server.close();
      site.remove();
    }
  }, 240_000);
});
