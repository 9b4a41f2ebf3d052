import { mailboxAddress, mailboxConnection } from '../src/bounces/imap-url.js';
import {
  type BounceMailboxOptions,
  FAILED_KEYWORD,
  readBounceMailbox,
  TOO_LARGE_KEYWORD,
} from '../src/bounces/imap.js';
import { loadConfig } from '../src/content/config.js';
import { SetupError } from '../src/diagnostics/setup-error.js';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dsnMessage } from './helpers/bounce-mail.js';
import { tempSite } from './helpers/site.js';
import {
  appendMessages,
  dovecotAvailable,
  folderContents,
  imapClient,
  mailboxUrl,
  mailServer,
  serverLog,
} from './helpers/dovecot.js';

/**
 * The bounce mailbox against a real Dovecot: messages go in by IMAP APPEND, `readBounceMailbox`
 * hands each to the handler once and moves it; what is left behind, and why, is read back over IMAP.
 */

const describeImap = dovecotAvailable() ? describe : describe.skip;

async function optionsFor(folder: string, processedFolder: string): Promise<BounceMailboxOptions> {
  const server = await mailServer();
  return { url: mailboxUrl(server), password: server.password, folder, processedFolder };
}

/** A handler that keeps what it was given, by Message-ID. */
function recorder() {
  const seen: { messageId?: string; raw: string }[] = [];
  const handle = async (raw: Buffer, meta: { messageId?: string }) => {
    seen.push({ ...meta, raw: raw.toString('utf8') });
  };
  return { seen, handle, ids: () => seen.map((s) => s.messageId).sort() };
}

describeImap('the bounce mailbox over IMAP (a real Dovecot)', () => {
  test('each message is handled once and moved to the processed folder, created when missing', async () => {
    const server = await mailServer();
    const messages = ['a', 'b', 'c'].map((name) => dsnMessage({ name }));
    await appendMessages(server, 'INBOX', messages);
    expect((await folderContents(server, ['Bulletin', 'Processed'])).messages).toEqual([]);

    const first = recorder();
    const options = await optionsFor('INBOX', 'Bulletin/Processed');
    expect(await readBounceMailbox(options, first.handle)).toEqual({
      read: 3,
      handled: 3,
      failed: 0,
      skipped: 0,
    });
    expect(first.ids()).toEqual([
      '<dsn-a@mx.example.net>',
      '<dsn-b@mx.example.net>',
      '<dsn-c@mx.example.net>',
    ]);
    // The whole message, as appended.
    expect(first.seen.find((s) => s.messageId === '<dsn-b@mx.example.net>')?.raw).toBe(messages[1]);
    expect((await folderContents(server, 'INBOX')).messages).toEqual([]);
    const processed = await folderContents(server, ['Bulletin', 'Processed']);
    expect(processed.messages.map((m) => m.messageId).sort()).toEqual(first.ids());

    const again = recorder();
    expect(await readBounceMailbox(options, again.handle)).toEqual({
      read: 0,
      handled: 0,
      failed: 0,
      skipped: 0,
    });
    expect(again.seen).toEqual([]);
    expect((await folderContents(server, ['Bulletin', 'Processed'])).messages).toHaveLength(3);
  });

  test('a message whose handling throws is flagged and left, the others handled; it is tried again next time', async () => {
    const server = await mailServer();
    await appendMessages(
      server,
      'Failing',
      ['d', 'e', 'f'].map((name) => dsnMessage({ name })),
    );
    const logged: string[] = [];
    const handled: string[] = [];
    const options = {
      ...(await optionsFor('Failing', 'Failing-done')),
      log: (line: string) => logged.push(line),
    };
    const result = await readBounceMailbox(options, async (_raw, meta) => {
      if (meta.messageId === '<dsn-e@mx.example.net>') throw new Error('the database is down');
      handled.push(meta.messageId ?? '');
    });
    expect(result).toEqual({ read: 3, handled: 2, failed: 1, skipped: 0 });
    expect(handled).toEqual(['<dsn-d@mx.example.net>', '<dsn-f@mx.example.net>']);
    const left = (await folderContents(server, 'Failing')).messages;
    expect(left.map((m) => m.messageId)).toEqual(['<dsn-e@mx.example.net>']);
    expect(left[0]?.flags).toContain(FAILED_KEYWORD);
    expect(logged.join('\n')).toMatch(/<dsn-e@mx\.example\.net>: not handled \(the database is down\)/);

    const retry = recorder();
    expect(await readBounceMailbox(options, retry.handle)).toEqual({
      read: 1,
      handled: 1,
      failed: 0,
      skipped: 0,
    });
    expect(retry.ids()).toEqual(['<dsn-e@mx.example.net>']);
    expect((await folderContents(server, 'Failing-done')).messages).toHaveLength(3);
  });

  test('a message over the size limit is flagged and left without being downloaded', async () => {
    const server = await mailServer();
    const big = dsnMessage({ name: 'big', padding: 60_000 });
    await appendMessages(server, 'Sizes', [dsnMessage({ name: 'small' }), big]);
    const logged: string[] = [];
    const options = {
      ...(await optionsFor('Sizes', 'Sizes-done')),
      maxBytes: 20_000,
      log: (line: string) => logged.push(line),
    };
    const logoutsBefore = logouts(serverLog(server)).length;
    const first = recorder();
    expect(await readBounceMailbox(options, first.handle)).toEqual({
      read: 2,
      handled: 1,
      failed: 0,
      skipped: 1,
    });
    expect(first.ids()).toEqual(['<dsn-small@mx.example.net>']);
    // The server's own count of what it sent that session: far less than the big message.
    const session = await nextLogout(server, logoutsBefore);
    expect(Number(/ out=(\d+)/.exec(session)?.[1])).toBeLessThan(big.length / 2);
    expect(Number(/body_bytes=(\d+)/.exec(session)?.[1])).toBeLessThan(20_000);
    const left = (await folderContents(server, 'Sizes')).messages;
    expect(left.map((m) => m.messageId)).toEqual(['<dsn-big@mx.example.net>']);
    expect(left[0]?.flags).toContain(TOO_LARGE_KEYWORD);
    expect(logged).toEqual([
      expect.stringMatching(/<dsn-big@mx\.example\.net>: \d+ bytes, over the limit of 20000/),
    ]);

    // Next time it is skipped again, and not said again.
    const second = recorder();
    expect(await readBounceMailbox(options, second.handle)).toEqual({
      read: 1,
      handled: 0,
      failed: 0,
      skipped: 1,
    });
    expect(second.seen).toEqual([]);
    expect(logged).toHaveLength(1);
  });

  test('a new UIDVALIDITY (the folder deleted and made again) counts nothing twice', async () => {
    const server = await mailServer();
    await appendMessages(server, 'Remade', [dsnMessage({ name: 'g' }), dsnMessage({ name: 'h' })]);
    const before = await folderContents(server, 'Remade');
    const options = await optionsFor('Remade', 'Remade-done');
    const all = recorder();
    expect(await readBounceMailbox(options, all.handle)).toMatchObject({ handled: 2 });

    const client = await imapClient(server);
    await client.mailboxDelete('Remade');
    await client.logout();
    const [uid] = await appendMessages(server, 'Remade', [dsnMessage({ name: 'i' })]);
    const after = await folderContents(server, 'Remade');
    expect(after.uidValidity).not.toBe(before.uidValidity);
    // The new message has the UID an old one had: a reader keeping UIDs would mistake one for the other.
    expect(before.messages.map((m) => m.uid)).toContain(uid);

    expect(await readBounceMailbox(options, all.handle)).toEqual({
      read: 1,
      handled: 1,
      failed: 0,
      skipped: 0,
    });
    expect(all.ids()).toEqual(['<dsn-g@mx.example.net>', '<dsn-h@mx.example.net>', '<dsn-i@mx.example.net>']);
    const processed = (await folderContents(server, 'Remade-done')).messages.map((m) => m.messageId).sort();
    expect(processed).toEqual(all.ids());
  });

  test('a wrong password is a one-line SetupError naming the server and the cause, never the password', async () => {
    const server = await mailServer();
    const options = { ...(await optionsFor('INBOX', 'Bulletin/Processed')), password: 'Wrong-Secret-4242' };
    const failure = await readBounceMailbox(options, async () => {}).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure).toBeInstanceOf(SetupError);
    expect(failure?.message).toMatch(
      new RegExp(`^imap://bounces@127\\.0\\.0\\.1:${server.port}: the server refused the login of "bounces"`),
    );
    expect(failure?.message).toMatch(
      /\(Authentication failed\.\); check .* BULLETIN_BOUNCES_IMAP_PASSWORD\.$/,
    );
    expect(failure?.message).not.toContain('Wrong-Secret-4242');
    expect(failure?.message).not.toContain(server.password);
    expect(failure?.message).not.toContain('\n');
  });

  test('a server that does not answer is a one-line SetupError with the cause', async () => {
    const options = { ...(await optionsFor('INBOX', 'Done')), url: 'imap://bounces@127.0.0.1:1' };
    await expect(readBounceMailbox(options, async () => {})).rejects.toThrow(
      /^imap:\/\/bounces@127\.0\.0\.1:1: cannot connect: ECONNREFUSED$/,
    );
  });

  test('a folder that does not exist is named in the error', async () => {
    const options = await optionsFor('No-Such-Folder', 'Done');
    await expect(readBounceMailbox(options, async () => {})).rejects.toThrow(
      /cannot open the folder "No-Such-Folder" \(dispatch\.bounces\.imap\.folder\)/,
    );
  });
});

describe('the mailbox URL', () => {
  test('a config whose mailbox URL holds a password is refused at its line, the password not repeated', async () => {
    const site = tempSite();
    try {
      const config = join(site.root, 'bulletin.config.yaml');
      const lines = readFileSync(config, 'utf8').split('\n').length;
      appendFileSync(
        config,
        'dispatch:\n  bounces:\n    imap:\n      url: imaps://bounces:Hunter2-secret@mail.example.org\n',
      );
      const { config: loaded, problems } = await loadConfig(site.root);
      expect(loaded).toBeUndefined();
      expect(problems).toHaveLength(1);
      const [problem] = problems;
      expect(problem).toMatchObject({ code: 'config-invalid', line: lines + 3, column: 12 });
      expect(problem?.message).toMatch(
        /^"dispatch\.bounces\.imap\.url" holds a password; remove it from the config and set BULLETIN_BOUNCES_IMAP/,
      );
      expect(`${problem?.message} ${problem?.hint}`).not.toContain('Hunter2');
    } finally {
      site.remove();
    }
  });

  test('a password in the URL is refused without being repeated', () => {
    expect(() => mailboxAddress('imaps://bounces:Hunter2-secret@mail.example.org')).toThrow(
      /holds a password; remove it .* BULLETIN_BOUNCES_IMAP_PASSWORD/,
    );
    try {
      mailboxAddress('imaps://bounces:Hunter2-secret@mail.example.org');
    } catch (error) {
      expect((error as Error).message).not.toContain('Hunter2');
    }
  });

  test('a user, a scheme of imap or imaps, and no folder in the path', () => {
    expect(() => mailboxAddress('https://mail.example.org')).toThrow(/imap:\/\/ or imaps:\/\//);
    expect(() => mailboxAddress('imaps://mail.example.org')).toThrow(/names no user/);
    expect(() => mailboxAddress('imaps://u@mail.example.org/INBOX')).toThrow(
      /dispatch\.bounces\.imap\.folder/,
    );
    expect(mailboxAddress('imaps://bounces%40example.org@mail.example.org')).toEqual({
      secure: true,
      host: 'mail.example.org',
      port: 993,
      username: 'bounces@example.org',
    });
  });

  test('over imap:// the password crosses a network only inside STARTTLS', () => {
    const remote = mailboxConnection(mailboxAddress('imap://bounces@mail.example.org'), 'p');
    expect(remote).toMatchObject({ port: 143, secure: false, doSTARTTLS: true });
    const local = mailboxConnection(mailboxAddress('imap://bounces@127.0.0.1:1143'), 'p');
    expect(local.doSTARTTLS).toBeUndefined();
    expect(mailboxConnection(mailboxAddress('imaps://bounces@mail.example.org'), 'p').secure).toBe(true);
  });
});

/** The lines Dovecot logs when an IMAP session of the user ends, with its byte counts. */
function logouts(log: string): string[] {
  return log.split('\n').filter((line) => /imap\(bounces\).*Logged out/.test(line));
}

/** The first logout line after the `before`-th (Dovecot writes it as the session ends). */
async function nextLogout(server: Parameters<typeof serverLog>[0], before: number): Promise<string> {
  for (let tries = 0; tries < 100; tries++) {
    const line = logouts(serverLog(server))[before];
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no logout logged: ${serverLog(server)}`);
}
