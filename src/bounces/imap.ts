import { ImapFlow } from 'imapflow';
import { SetupError } from '../diagnostics/setup-error.js';
import { causeOf } from '../support/errors.js';
import { mailboxAddress, mailboxConnection, type MailboxSettings, whereOf } from './imap-url.js';

/**
 * The bounce mailbox over IMAP: every message in the folder (seen or not) is downloaded, handed to
 * `handle`, then moved to the processed folder. Nothing is remembered between runs: what was handled
 * is gone from the folder, so a restart or a new UIDVALIDITY (the folder deleted and made again, a
 * server migration) can never bring a message back twice; the store is idempotent besides.
 */

/** Larger than any notice; a bigger message is flagged and left without being downloaded. */
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
/** Set on a message whose handling threw: left in the folder, tried again on the next run. */
export const FAILED_KEYWORD = '$BulletinFailed';
/** Set on a message over the size limit: left in the folder for a person, never downloaded. */
export const TOO_LARGE_KEYWORD = '$BulletinTooLarge';

export interface BounceMailboxOptions extends MailboxSettings {
  /** Messages larger than this are skipped (MAX_MESSAGE_BYTES unless a test says otherwise). */
  maxBytes?: number;
  /** One line per message left behind (failed or too large). */
  log?: (line: string) => void;
  /** Stops between messages (and cuts a connection in progress) when aborted. */
  signal?: AbortSignal;
}

export interface BounceMessageMeta {
  uid: number;
  messageId?: string;
}

export interface MailboxReadResult {
  /** Messages looked at in the folder. */
  read: number;
  /** Handled and moved to the processed folder. */
  handled: number;
  /** Their handling threw: flagged, left, tried again next time. */
  failed: number;
  /** Over the size limit: flagged, left, never downloaded. */
  skipped: number;
}

interface Listed {
  uid: number;
  size: number;
  messageId?: string;
  flags: Set<string>;
}

/**
 * Reads the folder once. Throws a SetupError naming the server (never the password) when it cannot
 * be reached, refuses the login, or lacks the folder; a failing message never stops the others.
 */
export async function readBounceMailbox(
  options: BounceMailboxOptions,
  handle: (raw: Buffer, meta: BounceMessageMeta) => Promise<void>,
): Promise<MailboxReadResult> {
  const address = mailboxAddress(options.url);
  if (options.signal?.aborted) return { read: 0, handled: 0, failed: 0, skipped: 0 };
  const where = whereOf(address);
  const client = new ImapFlow({ ...mailboxConnection(address, options.password), logger: false });
  // Without a listener, a socket error after connecting would be thrown from an event and end the process.
  let lost: Error | undefined;
  client.on('error', (error: Error) => {
    lost = error;
  });
  const cut = () => client.close();
  options.signal?.addEventListener('abort', cut, { once: true });
  try {
    await connectOrExplain(client, where, address.username);
    const processed = await ensureFolder(client, options.processedFolder, where);
    const lock = await openFolder(client, options.folder, where);
    try {
      return await readEach(client, { ...options, where }, processed, handle);
    } finally {
      lock.release();
    }
  } catch (error) {
    if (error instanceof SetupError) throw error;
    throw new SetupError(`${where}: the connection failed: ${causeOf(lost ?? error)}`, { cause: error });
  } finally {
    options.signal?.removeEventListener('abort', cut);
    await logoutQuietly(client);
  }
}

async function readEach(
  client: ImapFlow,
  options: BounceMailboxOptions & { where: string },
  processed: string[],
  handle: (raw: Buffer, meta: BounceMessageMeta) => Promise<void>,
): Promise<MailboxReadResult> {
  const log = options.log ?? (() => {});
  const maxBytes = options.maxBytes ?? MAX_MESSAGE_BYTES;
  const result: MailboxReadResult = { read: 0, handled: 0, failed: 0, skipped: 0 };
  // The list first: no other command may run while a FETCH streams.
  const listed: Listed[] = [];
  for await (const message of client.fetch('1:*', { uid: true, size: true, flags: true, envelope: true })) {
    listed.push({
      uid: message.uid,
      size: message.size ?? 0,
      ...(message.envelope?.messageId ? { messageId: message.envelope.messageId } : {}),
      flags: message.flags ?? new Set(),
    });
  }
  for (const message of listed) {
    if (options.signal?.aborted) break;
    result.read++;
    const name = `message ${message.uid}${message.messageId ? ` ${message.messageId}` : ''}`;
    if (message.size > maxBytes) {
      result.skipped++;
      // Said once: a message already flagged stays quietly where a person will find it.
      if (message.flags.has(TOO_LARGE_KEYWORD)) continue;
      await client.messageFlagsAdd(String(message.uid), [TOO_LARGE_KEYWORD], { uid: true });
      log(
        `${name}: ${message.size} bytes, over the limit of ${maxBytes}: left unread, flagged ${TOO_LARGE_KEYWORD}`,
      );
      continue;
    }
    const fetched = await client.fetchOne(String(message.uid), { source: true }, { uid: true });
    // Gone meanwhile (another reader moved it): nothing to do.
    if (fetched === false || !fetched.source) continue;
    try {
      const meta = { uid: message.uid, ...(message.messageId ? { messageId: message.messageId } : {}) };
      await handle(fetched.source, meta);
    } catch (error) {
      result.failed++;
      await client.messageFlagsAdd(String(message.uid), [FAILED_KEYWORD], { uid: true });
      log(
        `${name}: not handled (${causeOf(error)}): left in the folder, flagged ${FAILED_KEYWORD}; tried again next time`,
      );
      continue;
    }
    const moved = await client.messageMove(String(message.uid), processed, { uid: true });
    // Handled but not moved: it would be handled again next time (the store ignores it then), and so
    // would every other, so stop here and say why.
    if (!moved)
      throw new SetupError(
        `${options.where}: the server would not move ${name} to the processed folder "${options.processedFolder}"`,
      );
    result.handled++;
  }
  return result;
}

async function connectOrExplain(client: ImapFlow, where: string, user: string): Promise<void> {
  try {
    await client.connect();
  } catch (error) {
    if ((error as { authenticationFailed?: boolean }).authenticationFailed) {
      const said = (error as { responseText?: string }).responseText;
      throw new SetupError(
        `${where}: the server refused the login of "${user}"${said ? ` (${said})` : ''}; ` +
          'check the user in dispatch.bounces.imap.url and BULLETIN_BOUNCES_IMAP_PASSWORD.',
        { cause: error },
      );
    }
    throw new SetupError(`${where}: cannot connect: ${causeOf(error)}`, { cause: error });
  }
}

/**
 * The processed folder as path segments (joined with the server's own delimiter: `/` on Gmail and
 * Exchange, `.` on many Dovecot and Courier servers), created when missing.
 */
async function ensureFolder(client: ImapFlow, folder: string, where: string): Promise<string[]> {
  const path = folder.split('/').filter(Boolean);
  try {
    // An existing folder is not an error (imapflow reads the server's ALREADYEXISTS).
    await client.mailboxCreate(path);
  } catch (error) {
    // An older server may refuse without saying why: the folder may be there all the same.
    if (await client.status(path, { messages: true }).catch(() => false)) return path;
    throw new SetupError(
      `${where}: cannot create the processed folder "${folder}" (dispatch.bounces.imap.processedFolder): ` +
        `${serverSaid(error)}`,
      { cause: error },
    );
  }
  return path;
}

async function openFolder(client: ImapFlow, folder: string, where: string) {
  try {
    return await client.getMailboxLock(folder.split('/').filter(Boolean));
  } catch (error) {
    throw new SetupError(
      `${where}: cannot open the folder "${folder}" (dispatch.bounces.imap.folder): ` +
        `${serverSaid(error)}`,
      { cause: error },
    );
  }
}

/** The server's own words for a refused command (imapflow keeps them), else the error's cause. */
function serverSaid(error: unknown): string {
  return (error as { responseText?: string }).responseText ?? causeOf(error);
}

async function logoutQuietly(client: ImapFlow): Promise<void> {
  if (!client.usable) return client.close();
  try {
    await client.logout();
  } catch (error) {
    // Leaving is best effort: the work is done or already reported; the socket is closed either way.
    void error;
    client.close();
  }
}
