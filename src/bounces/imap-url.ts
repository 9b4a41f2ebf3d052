import type { ImapFlowOptions } from 'imapflow';
import { type MailboxAddress, readMailboxUrl } from '../content/mailbox-url.js';
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

/** How a message names the mailbox: the URL without any password (there is none to leave out). */
export function whereOf(address: MailboxAddress): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  const user = encodeURIComponent(address.username);
  return `${address.secure ? 'imaps' : 'imap'}://${user}@${host}:${address.port}`;
}

/** The URL of `dispatch.bounces.imap.url`, checked; a SetupError saying what to change otherwise. */
export function mailboxAddress(url: string): MailboxAddress {
  const read = readMailboxUrl(url);
  if (!read.ok) throw new SetupError(`dispatch.bounces.imap.url ${read.reason}.`);
  return read.address;
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
