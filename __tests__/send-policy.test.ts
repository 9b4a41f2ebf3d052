import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteSchedules } from '../src/store/sqlite/schedules.js';
import { bulletin, repoRoot } from './helpers/cli.js';
import { londonTime, startServe } from './helpers/serve.js';
import { tempSite } from './helpers/site.js';

const SEED = '2018-05-11';

/** A scheduled send written straight into the database, as `schedule` would have before the issue changed. */
async function scheduleBehindItsBack(root: string, date: string, list: string): Promise<void> {
  const schedules = new SqliteSchedules(join(root, '.bulletin', 'bulletin.db'));
  await schedules.put(date, list, new Date(Date.now() - 60_000));
  await schedules.close();
}

describe('leftover placeholders', () => {
  test('warn while drafting, block send and schedule to a list with each place, and let a --to test go', async () => {
    const site = tempSite();
    try {
      const made = JSON.parse(bulletin(['new', '--json'], site.root).stdout) as { date: string };
      const date = made.date;
      expect(bulletin(['subscribers', 'add', 'ann@example.org', '--list', 'weekly'], site.root).status).toBe(
        0,
      );

      const check = bulletin(['check', date], site.root);
      expect(check.status).toBe(0);
      expect(check.stderr).toContain(
        `bulletins/${date}/issue.md:2:8  warning  Leftover placeholder "TK".  [placeholder-left]`,
      );

      const send = bulletin(['send', date, '--list', 'weekly'], site.root);
      expect(send.status).toBe(1);
      expect(send.stderr).toContain(
        `bulletins/${date}/issue.md:2:8  error  Leftover placeholder "TK".  [placeholder-left]`,
      );
      expect(send.stderr).toContain(`bulletins/${date}/meetings.md:`);
      expect(send.stderr).toMatch(/placeholder/);
      expect(send.stderr).toContain('--to');
      expect(existsSync(join(site.root, '.bulletin', 'outbox', date, 'weekly'))).toBe(false);
      expect(JSON.parse(bulletin(['status', date, '--json'], site.root).stdout).lists).toEqual({});

      const scheduled = bulletin(['schedule', date, '--list', 'weekly', '--at', londonTime(-600)], site.root);
      expect(scheduled.status).toBe(1);
      expect(scheduled.stderr).toContain(`bulletins/${date}/issue.md:2:8  error  Leftover placeholder "TK".`);
      expect(scheduled.stderr).toContain('was not scheduled');

      const test = bulletin(['send', date, '--list', 'weekly', '--to', 'editor@example.org'], site.root);
      expect(test.status).toBe(0);
      expect(readdirSync(join(site.root, '.bulletin', 'outbox', date, '_tests'))).toHaveLength(1);

      // A send scheduled before the TK crept in waits at its time, saying where.
      expect(bulletin(['build', date], site.root).status).toBe(0);
      await scheduleBehindItsBack(site.root, date, 'weekly');
      const server = startServe(site.root);
      try {
        await server.until(new RegExp(`weekly is due but waits: .*bulletins/${date}/issue\\.md:2:8`));
      } finally {
        await server.stop();
      }
      expect(existsSync(join(site.root, '.bulletin', 'outbox', date, 'weekly'))).toBe(false);
    } finally {
      site.remove();
    }
  }, 120_000);
});

describe('an http base URL', () => {
  function siteAt(baseUrl: string) {
    const site = tempSite();
    cpSync(join(repoRoot, 'bulletins', SEED), join(site.root, 'bulletins', SEED), { recursive: true });
    const config = join(site.root, 'bulletin.config.yaml');
    writeFileSync(config, readFileSync(config, 'utf8').replace(/baseUrl: .*/, `baseUrl: ${baseUrl}`));
    expect(bulletin(['subscribers', 'add', 'ann@example.org', '--list', 'weekly'], site.root).status).toBe(0);
    return site;
  }

  test('refuses a send or schedule to a list, naming the setting that supplied it', () => {
    const site = siteAt('http://bulletin.wyhpartnership.example');
    try {
      const send = bulletin(['send', SEED, '--list', 'weekly', '--force'], site.root);
      expect(send.status).toBe(1);
      expect(send.stderr).toMatch(/site\.baseUrl is http:\/\/bulletin\.wyhpartnership\.example\/.*one-click/);
      expect(existsSync(join(site.root, '.bulletin', 'outbox', SEED, 'weekly'))).toBe(false);

      const fromEnv = bulletin(['send', SEED, '--list', 'weekly', '--force'], site.root, {
        BULLETIN_BASE_URL: 'http://news.example.org/',
      });
      expect(fromEnv.status).toBe(1);
      expect(fromEnv.stderr).toMatch(/BULLETIN_BASE_URL is http:\/\/news\.example\.org\//);
      expect(fromEnv.stderr).not.toMatch(/site\.baseUrl is/);

      const scheduled = bulletin(['schedule', SEED, '--list', 'weekly', '--at', londonTime(-600)], site.root);
      expect(scheduled.status).toBe(1);
      expect(scheduled.stderr).toMatch(/site\.baseUrl is http:/);

      // A test to one address, and the Quick start's local server, still go.
      expect(
        bulletin(['send', SEED, '--list', 'weekly', '--to', 'editor@example.org'], site.root).status,
      ).toBe(0);
      const local = bulletin(['send', SEED, '--list', 'weekly', '--force'], site.root, {
        BULLETIN_BASE_URL: 'http://127.0.0.1:8080/',
      });
      expect(local.status).toBe(0);
      expect(
        readFileSync(join(site.root, '.bulletin', 'outbox', SEED, 'weekly', 'ann@example.org.eml'), 'utf8'),
      ).toMatch(/List-Unsubscribe:\s+<http:\/\/127\.0\.0\.1:8080\/unsubscribe\?token=/);
    } finally {
      site.remove();
    }
  }, 120_000);

  test('makes a scheduled send wait when it comes due', async () => {
    const site = siteAt('http://bulletin.wyhpartnership.example');
    try {
      expect(bulletin(['build', '--all'], site.root).status).toBe(0);
      await scheduleBehindItsBack(site.root, SEED, 'weekly');
      const server = startServe(site.root);
      try {
        await server.until(/weekly is due but waits: site\.baseUrl is http:/);
      } finally {
        await server.stop();
      }
      expect(existsSync(join(site.root, '.bulletin', 'outbox', SEED, 'weekly'))).toBe(false);
    } finally {
      site.remove();
    }
  }, 120_000);
});
