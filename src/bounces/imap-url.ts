import type { ImapFlowOptions } from 'imapflow';
import { SetupError } from '../diagnostics/setup-error.js';
import { isLoopback } from '../support/loopback.js';

/**
 * Where the bounce mailbox is: `dispatch.bounces.imap` in the config, and the password from the
 * environment (BULLETIN_BOUNCES_IMAP_PASSWORD), so the config file never holds it.
 */
export interface MailboxSettings {
  /** `imap://user@host[:143]` (STARTTLS) or `imaps://user@host[:993]` (TLS), without the password. */
  url: string;
  password: string;
  folder: string;
  processedFolder: string;
}

export interface MailboxAddress {
  secure: boolean;
  host: string;
  port: number;
  /** Decoded: `bounces%40example.org` is the user `bounces@example.org`. */
  username: string;
}

/** How a message names the mailbox: the URL without any password (there is none to leave out). */
export function whereOf(address: MailboxAddress): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  const user = encodeURIComponent(address.username);
  return `${address.secure ? 'imaps' : 'imap'}://${user}@${host}:${address.port}`;
}

/** The URL of `dispatch.bounces.imap.url`, checked; a SetupError saying what to change otherwise. */
export function mailboxAddress(url: string): MailboxAddress {
  const setting = 'dispatch.bounces.imap.url';
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (!parsed || !['imap:', 'imaps:'].includes(parsed.protocol))
    throw new SetupError(
      `${setting} must be an imap:// or imaps:// address like imaps://bounces@mail.example.org.`,
    );
  // Said without echoing the URL: it holds the password.
  if (parsed.password)
    throw new SetupError(
      `${setting} holds a password; remove it from the config and set BULLETIN_BOUNCES_IMAP_PASSWORD instead.`,
    );
  if (!parsed.username)
    throw new SetupError(`${setting} names no user; write it like imaps://bounces@mail.example.org.`);
  if (parsed.pathname.replace(/^\/+/, '') || parsed.search)
    throw new SetupError(
      `${setting} names a folder (${parsed.pathname}${parsed.search}); put it in dispatch.bounces.imap.folder instead.`,
    );
  const secure = parsed.protocol === 'imaps:';
  return {
    secure,
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port ? Number(parsed.port) : secure ? 993 : 143,
    username: decodeURIComponent(parsed.username),
  };
}

/**
 * imapflow's connection options. Over imap:// to anything but this machine, STARTTLS is required:
 * otherwise someone on the path could strip the server's offer of it and read the password.
 */
export function mailboxConnection(address: MailboxAddress, password: string): ImapFlowOptions {
  return {
    host: address.host,
    port: address.port,
    secure: address.secure,
    ...(address.secure || isLoopback(address.host) ? {} : { doSTARTTLS: true }),
    auth: { user: address.username, pass: password },
    // A poll should fail in seconds, not hang the next one: minutes are for the server's answers.
    connectionTimeout: 20_000,
    greetingTimeout: 15_000,
    socketTimeout: 5 * 60_000,
    disableAutoIdle: true,
  };
}
