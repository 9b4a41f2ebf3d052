import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteSchedules } from '../src/store/sqlite/schedules.js';
import { bulletin, repoRoot } from './helpers/cli.js';
import { londonTime, startServe } from './helpers/serve.js';
import { SITE_ENGINES } from './helpers/site-database.js';
import { tempSite } from './helpers/site.js';

const DATE = '2018-05-11';

/** Runs `bulletin serve` until its stderr says `until`, then stops it with SIGTERM. */
async function serveUntil(root: string, until: RegExp): Promise<string> {
  const server = startServe(root);
  await server.until(until);
  const result = await server.stop();
  expect(result.status).toBe(0);
  return result.stderr;
}

test('serve sends a scheduled issue when its time comes, reports one long past, and never sends twice', async () => {
  const site = tempSite();
  try {
    cpSync(join(repoRoot, 'bulletins', DATE), join(site.root, 'bulletins', DATE), { recursive: true });
    expect(bulletin(['build', '--all'], site.root).status).toBe(0);
    expect(bulletin(['subscribers', 'add', 'ann@example.org', '--list', 'weekly'], site.root).status).toBe(0);
    expect(bulletin(['subscribers', 'add', 'lead@example.org', '--list', 'leaders'], site.root).status).toBe(
      0,
    );

    const due = bulletin(['schedule', DATE, '--list', 'weekly', '--at', londonTime(2)], site.root);
    expect(due.status).toBe(0);
    expect(due.stderr).toMatch(/scheduled for .* Europe\/London \(.* UTC\)/);
    // Three hours ago is refused from the command line (it could only be missed)...
    const late = bulletin(['schedule', DATE, '--list', 'leaders', '--at', londonTime(180)], site.root);
    expect(late.status).toBe(2);
    expect(late.stderr).toMatch(
      /was 1(79|80|81) minutes ago; a send that late would only be reported as missed\. To send it now: `bulletin send 2018-05-11 --list leaders`/,
    );
    // ...so a send scheduled yesterday for three hours ago, with the server down since, is written as it
    // would be.
    const schedules = new SqliteSchedules(join(site.root, '.bulletin', 'bulletin.db'));
    await schedules.put(DATE, 'leaders', new Date(Date.now() - 180 * 60_000));
    await schedules.close();
    expect(bulletin(['schedule', DATE, '--list', 'weekly', '--at', 'tomorrow'], site.root).status).toBe(2);
    expect(
      bulletin(['schedule', DATE, '--list', 'weekly', '--at', '2030-01-04 25:00'], site.root).stderr,
    ).toContain('is not a time Bulletin can read; write the day and a 24-hour time');
    expect(
      bulletin(['schedule', DATE, '--list', 'weekly', '--at', '2030-02-30 09:00'], site.root).status,
    ).toBe(2);
    // 01:30 on the last Sunday of March never happens in London.
    expect(
      bulletin(['schedule', DATE, '--list', 'weekly', '--at', '2030-03-31 01:30'], site.root).stderr,
    ).toContain('does not exist in Europe/London: the clocks go forward then');

    const first = await serveUntil(site.root, /weekly done[\s\S]*|leaders missed[\s\S]*weekly done/);
    expect(first).toMatch(/schedule: 2018-05-11 to leaders missed: its time .* passed 18\d minutes ago/);
    expect(first).toContain(
      'schedule: 2018-05-11 to weekly done: 1 sent, 0 failed, 0 unknown, 0 skipped, 0 pending',
    );
    expect(readdirSync(join(site.root, '.bulletin', 'outbox', DATE, 'weekly'))).toEqual([
      'ann@example.org.eml',
    ]);
    expect(() => readdirSync(join(site.root, '.bulletin', 'outbox', DATE, 'leaders'))).toThrow();

    // A restart sends nothing again, and a finished send cannot be scheduled anew.
    const again = bulletin(['schedule', DATE, '--list', 'weekly', '--at', londonTime(1)], site.root);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('is already done; it is not scheduled again');
    const second = await serveUntil(site.root, /Serving at/);
    expect(second).not.toMatch(/schedule: sending/);
    const status = JSON.parse(bulletin(['status', DATE, '--json'], site.root).stdout);
    expect(status.lists.weekly).toMatchObject({ sent: 1, pending: 0 });

    // A send scheduled ahead can be cancelled.
    expect(
      bulletin(['schedule', DATE, '--list', 'leaders', '--at', londonTime(-600)], site.root).status,
    ).toBe(0);
    expect(bulletin(['schedule', DATE, '--list', 'leaders', '--cancel'], site.root).status).toBe(0);
  } finally {
    site.remove();
  }
}, 120_000);

test('a due send that is not approved waits, says so once, and goes out when approved within its window', async () => {
  const site = tempSite();
  try {
    cpSync(join(repoRoot, 'bulletins', DATE), join(site.root, 'bulletins', DATE), { recursive: true });
    const config = join(site.root, 'bulletin.config.yaml');
    writeFileSync(config, `${readFileSync(config, 'utf8')}\napproval:\n  required: true\n`);
    expect(bulletin(['build', '--all'], site.root).status).toBe(0);
    expect(bulletin(['subscribers', 'add', 'ann@example.org', '--list', 'weekly'], site.root).status).toBe(0);
    const scheduled = bulletin(['schedule', DATE, '--list', 'weekly', '--at', londonTime(1)], site.root);
    expect(scheduled.stderr).toContain(
      'sends it as soon as it runs (that time has come), once it is approved as it stands',
    );

    const server = startServe(site.root);
    await server.until(/weekly is due but waits: 2018-05-11 has not been approved/);
    // A few more ticks: the wait is said once, and nothing is sent.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(server.said().match(/is due but waits/g)).toHaveLength(1);
    expect(existsSync(join(site.root, '.bulletin', 'outbox', DATE))).toBe(false);

    expect(bulletin(['approve', DATE, '--by', 'Ann Approver'], site.root).status).toBe(0);
    await server.until(/schedule: 2018-05-11 to weekly done: 1 sent/);
    await server.stop();
    expect(readdirSync(join(site.root, '.bulletin', 'outbox', DATE, 'weekly'))).toEqual([
      'ann@example.org.eml',
    ]);
  } finally {
    site.remove();
  }
}, 120_000);

/** Two servers over one database, on each engine: SQLite's file, or PostgreSQL through BULLETIN_DATABASE. */
describe.each(SITE_ENGINES)('on $name', (engine) => {
  if (engine.skip) {
    test.skip(`${engine.name}: ${engine.skip}`, () => undefined);
    return;
  }

  test('two servers over one database run a due send once; when the one sending is killed, the other takes it over after its lease', async () => {
    const site = tempSite();
    const database = await engine.database(site.root);
    const servers: ReturnType<typeof startServe>[] = [];
    try {
      cpSync(join(repoRoot, 'bulletins', DATE), join(site.root, 'bulletins', DATE), { recursive: true });
      expect(bulletin(['build', '--all'], site.root, database.env).status).toBe(0);
      const readers = Array.from({ length: 40 }, (_, i) => `reader${String(i).padStart(2, '0')}@example.org`);
      writeFileSync(join(site.root, 'readers.csv'), `email\n${readers.join('\n')}\n`);
      expect(
        bulletin(['subscribers', 'import', 'readers.csv', '--list', 'weekly'], site.root, database.env)
          .status,
      ).toBe(0);
      expect(
        bulletin(['schedule', DATE, '--list', 'weekly', '--at', londonTime(1)], site.root, database.env)
          .status,
      ).toBe(0);

      // Both tick every 100 ms from the start; at 10 messages a second the send takes about 4 seconds.
      const env = { ...database.env, BULLETIN_SCHEDULE_LEASE_MS: '1500' };
      servers.push(startServe(site.root, env), startServe(site.root, env));
      await Promise.race(servers.map((server) => server.until(/schedule: sending 2018-05-11 to weekly/)));
      const sender = servers.find((server) => /schedule: sending/.test(server.said()))!;
      const other = servers.find((server) => server !== sender)!;
      // A quarter of the list has it: the other server has had many ticks to start the same send.
      const outbox = join(site.root, '.bulletin', 'outbox', DATE, 'weekly');
      const written = () => (existsSync(outbox) ? readdirSync(outbox) : []).filter((n) => n.endsWith('.eml'));
      while (written().length < 10) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(other.said()).not.toMatch(/schedule: sending/);
      await sender.kill('SIGKILL');

      await other.until(/schedule: 2018-05-11 to weekly done/);
      await other.stop();
      expect(other.said().match(/schedule: sending 2018-05-11 to weekly/g)).toHaveLength(1);
      const { sent, unknown, pending } = JSON.parse(
        bulletin(['status', DATE, '--json'], site.root, database.env).stdout,
      ).lists.weekly as Record<string, number>;
      // A message in flight when the first server died is unknown (its .eml maybe half-written), never resent.
      expect([sent! + unknown!, pending]).toEqual([readers.length, 0]);
      expect(unknown).toBeLessThanOrEqual(4);
      expect(written().length).toBeGreaterThanOrEqual(sent!);
    } finally {
      for (const server of servers) await server.kill('SIGKILL');
      site.remove();
    }
  }, 120_000);
});
