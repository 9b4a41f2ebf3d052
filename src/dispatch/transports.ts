import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { Config } from '../content/model.js';
import { makePrivateDir, PRIVATE_FILE } from '../support/private-files.js';
import { loadDkimKey, type DkimKey } from './dkim.js';

/** What the send loop needs of a way to deliver mail. Owned here, by its consumer. */
export interface Transport {
  readonly name: string;
  /**
   * Whose sending limits apply (the SMTP account: scheme, user and host, never the password): workers
   * sending through one account share its pacing. The name when not given.
   */
  readonly account?: string;
  /** What the operator should hear before the first message (a DKIM key shorter than advised). */
  readonly warnings?: readonly string[];
  send(message: Mail.Options): Promise<{ response: string }>;
  close(): Promise<void>;
}

export interface SmtpOptions {
  /** smtp:// or smtps:// with credentials. */
  url: string;
  connections: number;
  /** Messages per connection before it is recycled. */
  messagesPerConnection?: number;
  /** How long a silent server is waited for, per step (default 60 s; nodemailer's own is 10 minutes). */
  timeoutMs?: number;
  /** DKIM signing; List-Unsubscribe, List-Unsubscribe-Post and Feedback-ID are always among the signed headers. */
  dkim?: DkimKey;
}

/**
 * nodemailer's DKIM options; its default header list leaves out List-Unsubscribe-Post and Feedback-ID, and
 * Gmail wants them signed (a Feedback-ID counts only under the sending domain's signature).
 */
function dkimOptions(key: DkimKey) {
  return {
    domainName: key.domainName,
    keySelector: key.keySelector,
    privateKey: key.privateKey,
    headerFieldNames: [
      'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:Content-Transfer-Encoding',
      'List-Id:List-Unsubscribe:List-Unsubscribe-Post:Feedback-ID',
    ].join(':'),
  };
}

/** nodemailer's pooled SMTP transport. */
export function smtpTransport(options: SmtpOptions): Transport {
  const transport = nodemailer.createTransport({
    url: options.url,
    pool: true,
    maxConnections: options.connections,
    maxMessages: options.messagesPerConnection ?? 100,
    connectionTimeout: options.timeoutMs ?? 60_000,
    greetingTimeout: options.timeoutMs ?? 60_000,
    socketTimeout: options.timeoutMs ?? 60_000,
    ...(options.dkim ? { dkim: dkimOptions(options.dkim) } : {}),
  } as Parameters<typeof nodemailer.createTransport>[0]);
  const url = new URL(options.url);
  return {
    name: `smtp ${url.host}`,
    account: `${url.protocol}//${url.username ? `${url.username}@` : ''}${url.host}`,
    warnings: options.dkim?.warnings ?? [],
    async send(message) {
      const info = (await transport.sendMail(message)) as { response?: string };
      return { response: info.response ?? '' };
    },
    async close() {
      transport.close();
    },
  };
}

/**
 * How an issue goes out, for `bulletin send` and for scheduled sends alike: through SMTP_URL,
 * DKIM-signed when `dispatch.dkim` is set (the key is checked here, before the first message), or
 * into the outbox.
 */
export function issueTransport(
  root: string,
  config: Config,
  issue: string,
  list: string,
  connections = config.dispatch.concurrency,
  env: NodeJS.ProcessEnv = process.env,
): Transport {
  const dkim = loadDkimKey(root, config, env);
  if (!env.SMTP_URL) return outboxTransport(join(root, '.bulletin', 'outbox'), issue, list, dkim);
  return smtpTransport({ url: env.SMTP_URL, connections, ...(dkim ? { dkim } : {}) });
}

/**
 * The embedded default when no SMTP_URL is set: each message as an .eml file under
 * `.bulletin/outbox/ISSUE/LIST/`, exactly the bytes SMTP would have carried (signed, in CRLF).
 */
export function outboxTransport(dir: string, issue: string, list: string, dkim?: DkimKey): Transport {
  return folderTransport(join(dir, issue, list), (to) => `${safeName(to)}.eml`, dkim);
}

/**
 * Beside the lists' folders, under a name no list id can have (ids are lower-case letters, digits and
 * hyphens).
 */
export const TEST_FOLDER = '_tests';

/**
 * A test message's way out (`send --to`, the preview's "Send test"): SMTP as for the issue, or
 * `.bulletin/outbox/ISSUE/_tests/`, each under its own time, apart from the list's real messages
 * and never overwriting an earlier test.
 */
export function testTransport(
  root: string,
  config: Config,
  issue: string,
  env: NodeJS.ProcessEnv = process.env,
): Transport {
  if (env.SMTP_URL) return issueTransport(root, config, issue, TEST_FOLDER, 1, env);
  const dkim = loadDkimKey(root, config, env);
  let sequence = 0;
  const name = (to: string) =>
    `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}-${sequence++}-${safeName(to)}.eml`;
  return folderTransport(join(root, '.bulletin', 'outbox', issue, TEST_FOLDER), name, dkim);
}

/**
 * Mail the subscription service sends (confirmations), under `.bulletin/outbox/service/`, oldest first by
 * name.
 */
export function serviceOutboxTransport(dir: string): Transport {
  let sequence = 0;
  return folderTransport(
    join(dir, 'service'),
    (to) =>
      `${new Date().toISOString().replace(/[:.]/g, '-')}-${String(sequence++).padStart(4, '0')}-${safeName(to)}.eml`,
  );
}

function safeName(address: string): string {
  return address.replace(/[^a-z0-9@._+-]/gi, '_');
}

function folderTransport(folder: string, fileName: (to: string) => string, dkim?: DkimKey): Transport {
  // CRLF: the file is what a receiver would get, so a DKIM verifier can check it byte for byte.
  const composer = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'windows',
    ...(dkim ? { dkim: dkimOptions(dkim) } : {}),
  });
  let made = false;
  return {
    name: `outbox ${folder}`,
    warnings: dkim?.warnings ?? [],
    async send(message) {
      const info = (await composer.sendMail(message)) as { message: Buffer };
      const to = typeof message.to === 'string' ? message.to : (message.to as { address: string }).address;
      // Owner-only: each message holds a working unsubscribe link for its reader.
      if (!made) makePrivateDir(folder);
      made = true;
      const file = join(folder, fileName(to));
      await writeFile(`${file}.tmp`, info.message, PRIVATE_FILE);
      await rename(`${file}.tmp`, file);
      return { response: `250 written to ${file}` };
    },
    async close() {
      composer.close();
    },
  };
}
