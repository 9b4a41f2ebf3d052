import { ImapFlow } from 'imapflow';
import {
  type DovecotServer,
  dovecotBin,
  mailboxUrl,
  serverLog,
  startDovecot,
  stopDovecot,
} from '../../scripts/dovecot-server.js';

/**
 * A real IMAP server for the tests of the bounce mailbox: one throwaway Dovecot per test file (jest
 * gives each file its own module registry), started on first use on a free loopback port and stopped
 * when the file's tests end. Messages go in with IMAP APPEND, as a real bounce mailbox receives them.
 */

export { type DovecotServer, mailboxUrl, serverLog };

/**
 * Whether the IMAP tests can run. Without dovecot they skip loudly on a developer's machine; under
 * CI they fail, because CI must install it (see .ci/run).
 */
export function dovecotAvailable(): boolean {
  if (dovecotBin()) return true;
  if (process.env.CI)
    throw new Error('CI is set but there is no dovecot: .ci/run must apt-get install dovecot-imapd.');
  console.warn(
    '\n*** SKIPPING IMAP TESTS: no dovecot. Install it with: apt-get install -y dovecot-imapd ***\n',
  );
  return false;
}

let starting: Promise<DovecotServer> | undefined;
let running: DovecotServer | undefined;

/** This file's server (started on first call). */
export function mailServer(): Promise<DovecotServer> {
  starting ??= startDovecot().then((server) => (running = server));
  return starting;
}

/** A logged-in client of the test's own, for putting messages in and looking at what is left. */
export async function imapClient(server: DovecotServer): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: server.port,
    secure: false,
    auth: { user: server.user, pass: server.password },
    logger: false,
  });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** APPENDs each message to `folder` (created when missing); their UIDs. */
export async function appendMessages(
  server: DovecotServer,
  folder: string | string[],
  messages: readonly string[],
): Promise<number[]> {
  const client = await imapClient(server);
  try {
    await client.mailboxCreate(folder);
    const uids: number[] = [];
    for (const message of messages) {
      const appended = await client.append(folder, message);
      if (!appended) throw new Error(`APPEND to ${folder} refused`);
      uids.push(appended.uid ?? -1);
    }
    return uids;
  } finally {
    await client.logout();
  }
}

export interface Stored {
  uid: number;
  messageId?: string;
  flags: string[];
}

/** What `folder` holds now (empty when it does not exist), and its UIDVALIDITY. */
export async function folderContents(
  server: DovecotServer,
  folder: string | string[],
): Promise<{ messages: Stored[]; uidValidity?: bigint }> {
  const client = await imapClient(server);
  try {
    if (!(await client.status(folder, { messages: true }).catch(() => false))) return { messages: [] };
    const lock = await client.getMailboxLock(folder);
    try {
      const mailbox = client.mailbox;
      const messages: Stored[] = [];
      if (mailbox && mailbox.exists > 0)
        for await (const m of client.fetch('1:*', { uid: true, flags: true, envelope: true }))
          messages.push({
            uid: m.uid,
            ...(m.envelope?.messageId ? { messageId: m.envelope.messageId } : {}),
            flags: [...(m.flags ?? [])],
          });
      return { messages, ...(mailbox ? { uidValidity: mailbox.uidValidity } : {}) };
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

function stopRunning(): void {
  const server = running;
  running = undefined;
  starting = undefined;
  if (server) stopDovecot(server);
}

// Stopped when the file's tests end; on exit too, should a run be cut short before afterAll.
if (typeof afterAll === 'function') afterAll(stopRunning, 30_000);
process.once('exit', stopRunning);
