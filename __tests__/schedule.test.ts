import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { bulletin, repoRoot, spawnBulletin } from './helpers/cli.js';
import { tempSite } from './helpers/site.js';

const DATE = '2018-05-11';

/** "YYYY-MM-DD HH:MM" in the site's time zone, `minutesAgo` before now. */
function londonTime(minutesAgo: number): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(Date.now() - minutesAgo * 60_000))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** Runs `bulletin serve` until its stderr says `until`, then stops it with SIGTERM. */
async function serveUntil(root: string, until: RegExp): Promise<string> {
  const server = spawnBulletin(['serve', '--port', '0'], root, { BULLETIN_SECRET: 'schedule-test', BULLETIN_SCHEDULER_MS: '100' });
  let said = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve never said ${until}: ${said}`)), 60_000);
    server.child.stderr!.on('data', (chunk: Buffer) => {
      said += chunk.toString();
      if (until.test(said)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  server.child.kill('SIGTERM');
  const result = await server.done;
  expect(result.status).toBe(0);
  return result.stderr;
}

test('serve sends a scheduled issue when its time comes, reports one long past, and never sends twice', async () => {
  const site = tempSite();
  try {
    cpSync(join(repoRoot, 'bulletins', DATE), join(site.root, 'bulletins', DATE), { recursive: true });
    expect(bulletin(['build', '--all'], site.root).status).toBe(0);
    expect(bulletin(['subscribers', 'add', 'ann@example.org', '--list', 'weekly'], site.root).status).toBe(0);
    expect(bulletin(['subscribers', 'add', 'lead@example.org', '--list', 'leaders'], site.root).status).toBe(0);

    const due = bulletin(['schedule', DATE, '--list', 'weekly', '--at', londonTime(2)], site.root);
    expect(due.status).toBe(0);
    expect(due.stderr).toMatch(/scheduled for .* Europe\/London \(.* UTC\)/);
    expect(bulletin(['schedule', DATE, '--list', 'leaders', '--at', londonTime(180)], site.root).status).toBe(0);
    expect(bulletin(['schedule', DATE, '--list', 'weekly', '--at', 'tomorrow'], site.root).status).toBe(2);

    const first = await serveUntil(site.root, /weekly done[\s\S]*|leaders missed[\s\S]*weekly done/);
    expect(first).toMatch(/schedule: 2018-05-11 to leaders missed: its time .* passed 18\d minutes ago/);
    expect(first).toContain('schedule: 2018-05-11 to weekly done: 1 sent, 0 failed, 0 unknown, 0 skipped, 0 pending');
    expect(readdirSync(join(site.root, '.bulletin', 'outbox', DATE, 'weekly'))).toEqual(['ann@example.org.eml']);
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
    expect(bulletin(['schedule', DATE, '--list', 'leaders', '--at', londonTime(-600)], site.root).status).toBe(0);
    expect(bulletin(['schedule', DATE, '--list', 'leaders', '--cancel'], site.root).status).toBe(0);
  } finally {
    site.remove();
  }
}, 120_000);
