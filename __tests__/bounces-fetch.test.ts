import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dsnMessage } from './helpers/bounce-mail.js';
import { bulletin } from './helpers/cli.js';
import {
  appendMessages,
  dovecotAvailable,
  folderContents,
  mailboxUrl,
  mailServer,
} from './helpers/dovecot.js';
import { originOf, startServe } from './helpers/serve.js';
import { tempSite } from './helpers/site.js';

/**
 * `bulletin bounces fetch` and the poller of `bulletin serve` as an operator runs them: the compiled
 * CLI, a site whose config names a real Dovecot's mailbox, the password in the environment.
 */

const describeImap = dovecotAvailable() ? describe : describe.skip;

/** A site whose bounce mailbox is the test server's `folder`. */
async function siteWithMailbox(folder: string, pollMinutes = 5) {
  const server = await mailServer();
  const site = tempSite();
  appendFileSync(
    join(site.root, 'bulletin.config.yaml'),
    [
      'dispatch:',
      '  bounces:',
      '    imap:',
      `      url: ${mailboxUrl(server)}`,
      `      folder: ${folder}`,
      `      processedFolder: ${folder}-done`,
      `      pollMinutes: ${pollMinutes}`,
      '',
    ].join('\n'),
  );
  return {
    server,
    site,
    env: { BULLETIN_SECRET: 'bounces-test', BULLETIN_BOUNCES_IMAP_PASSWORD: server.password },
  };
}

describeImap('bulletin bounces fetch and the serve poller (a real Dovecot)', () => {
  test('fetch handles each message once, moves it, and says how many; again, nothing', async () => {
    const { server, site, env } = await siteWithMailbox('Fetch');
    try {
      await appendMessages(server, 'Fetch', [dsnMessage({ name: 'one' }), dsnMessage({ name: 'two' })]);
      const first = bulletin(['bounces', 'fetch', '--json'], site.root, env);
      expect(first.stderr).toContain(
        `${mailboxUrl(server)} Fetch: read 2, handled 2 (moved to Fetch-done), failed 0`,
      );
      expect(first.status).toBe(0);
      expect(JSON.parse(first.stdout)).toMatchObject({
        ok: true,
        read: 2,
        handled: 2,
        failed: 0,
        skipped: 0,
      });
      expect((await folderContents(server, 'Fetch')).messages).toEqual([]);
      expect((await folderContents(server, 'Fetch-done')).messages).toHaveLength(2);

      const again = bulletin(['bounces', 'fetch', '--json'], site.root, env);
      expect(again.status).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, read: 0, handled: 0, failed: 0 });
      expect((await folderContents(server, 'Fetch-done')).messages).toHaveLength(2);
    } finally {
      site.remove();
    }
  });

  test('a wrong password: exit 1, one line naming the server and the cause, the password never printed', async () => {
    const { server, site, env } = await siteWithMailbox('INBOX');
    try {
      const wrong = 'Not-The-Password-7731';
      const result = bulletin(['bounces', 'fetch'], site.root, {
        ...env,
        BULLETIN_BOUNCES_IMAP_PASSWORD: wrong,
      });
      expect(result.status).toBe(1);
      expect(result.stderr.trim()).toBe(
        `bulletin: ${mailboxUrl(server)}: the server refused the login of "bounces" (Authentication failed.); ` +
          'check the user in dispatch.bounces.imap.url and BULLETIN_BOUNCES_IMAP_PASSWORD.',
      );
      const json = bulletin(['bounces', 'fetch', '--json'], site.root, {
        ...env,
        BULLETIN_BOUNCES_IMAP_PASSWORD: wrong,
      });
      expect(json.status).toBe(1);
      expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, exitCode: 1 });
      for (const output of [result.stdout, result.stderr, json.stdout, json.stderr]) {
        expect(output).not.toContain(wrong);
        expect(output).not.toContain(server.password);
      }
    } finally {
      site.remove();
    }
  });

  test('without the password, or without a mailbox, fetch says what to set', async () => {
    const { site, env } = await siteWithMailbox('INBOX');
    const bare = tempSite();
    try {
      const noPassword = bulletin(['bounces', 'fetch'], site.root, {
        ...env,
        BULLETIN_BOUNCES_IMAP_PASSWORD: '',
      });
      expect(noPassword.status).toBe(1);
      expect(noPassword.stderr).toMatch(
        /^bulletin: BULLETIN_BOUNCES_IMAP_PASSWORD is not set; the bounce mailbox/,
      );
      const noMailbox = bulletin(['bounces', 'fetch'], bare.root, env);
      expect(noMailbox.status).toBe(1);
      expect(noMailbox.stderr).toMatch(/There is no bounce mailbox: set dispatch\.bounces\.imap\.url/);
    } finally {
      site.remove();
      bare.remove();
    }
  });

  test('serve reads the mailbox every pollMinutes: a message appended after the start is handled', async () => {
    const { server, site, env } = await siteWithMailbox('Polled', 0.01);
    mkdirSync(join(site.root, 'dist', 'site'), { recursive: true });
    writeFileSync(join(site.root, 'dist', 'site', 'index.html'), '<!doctype html><title>archive</title>');
    const serve = startServe(site.root, env);
    try {
      await serve.until(
        /bounce mailbox {5}imap:\/\/bounces@127\.0\.0\.1:\d+ Polled, read every 0\.01 minutes/,
      );
      await appendMessages(server, 'Polled', [dsnMessage({ name: 'late' })]);
      await serve.until(/bounces: read 1, handled 1, failed 0, skipped 0/, 20_000);
      expect((await folderContents(server, 'Polled')).messages).toEqual([]);
      expect((await folderContents(server, 'Polled-done')).messages.map((m) => m.messageId)).toEqual([
        '<dsn-late@mx.example.net>',
      ]);
    } finally {
      const stopped = await serve.stop();
      site.remove();
      expect(stopped.status).toBe(0);
    }
  });

  test('a failing poll is said and tried again; serve keeps serving and stops cleanly', async () => {
    const { site, env } = await siteWithMailbox('INBOX', 0.01);
    mkdirSync(join(site.root, 'dist', 'site'), { recursive: true });
    writeFileSync(join(site.root, 'dist', 'site', 'index.html'), '<!doctype html><title>archive</title>');
    const serve = startServe(site.root, { ...env, BULLETIN_BOUNCES_IMAP_PASSWORD: 'wrong-password-5150' });
    try {
      const origin = await originOf(serve);
      const refusal =
        /bounces: .*the server refused the login of "bounces".*\(trying again in 0\.6 seconds\)/g;
      await serve.until(new RegExp(`${refusal.source}[^]*${refusal.source}`), 20_000);
      expect((await fetch(`${origin}/healthz`)).status).toBe(200);
      expect(serve.said()).not.toContain('wrong-password-5150');
    } finally {
      const stopped = await serve.stop();
      site.remove();
      expect(stopped.status).toBe(0);
    }
  });
});
