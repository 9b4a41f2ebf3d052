/**
 * A throwaway Dovecot IMAP server on a free loopback port, for the tests of the bounce mailbox
 * (__tests__/helpers/dovecot.ts): a private config (no TLS, plain login allowed, one mailbox user with
 * a random password, Maildir under a temporary folder), `dovecot -c` to start and `dovecot -c ... stop`
 * plus removal at the end. The package's own service is never used. Dovecot needs its port written
 * in the config, so a free one is found first (and another tried, should it be taken meanwhile).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from './free-port.js';

export interface DovecotServer {
  dir: string;
  port: number;
  user: string;
  password: string;
  bin: string;
}

/** Debian's `dovecot` (`apt-get install dovecot-imapd`), or the one DOVECOT_BIN names. */
export function dovecotBin(): string | undefined {
  // DOVECOT_BIN picks another build (or, pointed at nothing, shows what a machine without one does).
  const chosen = process.env.DOVECOT_BIN;
  if (chosen !== undefined) return existsSync(chosen) ? chosen : undefined;
  // dovecot-core alone has the master but no IMAP server (that is dovecot-imapd).
  if (!existsSync('/usr/lib/dovecot/imap')) return undefined;
  const folders = ['/usr/sbin', '/usr/local/sbin', ...(process.env.PATH ?? '').split(delimiter)];
  return folders.map((folder) => join(folder, 'dovecot')).find((path) => existsSync(path));
}

/** The mailbox's URL without the password, as `dispatch.bounces.imap.url` holds it. */
export function mailboxUrl(server: DovecotServer): string {
  return `imap://${server.user}@127.0.0.1:${server.port}`;
}

/** Everything the server has logged so far (logins, logouts with their byte counts, errors). */
export function serverLog(server: DovecotServer): string {
  const path = join(server.dir, 'log');
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/**
 * Who owns the mail and runs the login processes: `nobody` as root (Dovecot refuses to serve
 * mail as root), this user otherwise.
 */
function mailOwner(): { name: string; uid: number; gid: number } {
  if (process.getuid?.() !== 0) {
    const me = userInfo();
    return { name: me.username, uid: me.uid, gid: me.gid };
  }
  const id = (flag: string) => Number(execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }).trim());
  return { name: 'nobody', uid: id('-u'), gid: id('-g') };
}

function configText(dir: string, port: number, owner: string): string {
  return `protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/run
log_path = ${dir}/log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# The wrong-password test should not wait the default two seconds.
auth_failure_delay = 0
# Nor should the next login wait out the penalty Dovecot adds after a failed one (none for trusted networks).
login_trusted_networks = 127.0.0.0/8
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = ${dir}/passwd
}
userdb {
  driver = passwd-file
  args = ${dir}/passwd
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
}
default_login_user = ${owner}
default_internal_user = ${owner}
`;
}

export async function startDovecot(): Promise<DovecotServer> {
  const bin = dovecotBin();
  if (!bin) throw new Error('no dovecot installed (see dovecotBin)');
  const dir = mkdtempSync(join(tmpdir(), 'bulletin-dovecot-'));
  // Dovecot's auth and mail processes run as the mail's owner: they must get through to their files.
  chmodSync(dir, 0o755);
  const owner = mailOwner();
  const user = 'bounces';
  const password = randomBytes(12).toString('hex');
  mkdirSync(join(dir, 'run'));
  mkdirSync(join(dir, 'mail'));
  chownSync(join(dir, 'mail'), owner.uid, owner.gid);
  writeFileSync(
    join(dir, 'passwd'),
    `${user}:{PLAIN}${password}:${owner.uid}:${owner.gid}::${dir}/mail/${user}\n`,
    { mode: 0o644 },
  );
  // A free port can be taken between finding and binding it: try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    writeFileSync(join(dir, 'dovecot.conf'), configText(dir, port, owner.name));
    // The master goes to the background holding the stdio it was given: a pipe would never close.
    const errors = openSync(join(dir, 'start.err'), 'w');
    try {
      execFileSync(bin, ['-c', join(dir, 'dovecot.conf')], { stdio: ['ignore', 'ignore', errors] });
      const server = { dir, port, user, password, bin };
      await waitForListener(port);
      return server;
    } catch (error) {
      if (attempt < 3) continue;
      const log = `${readFileSync(join(dir, 'start.err'), 'utf8')}${serverLog({ dir } as DovecotServer)}`;
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`dovecot did not start: ${String(error)}\n${log}`, { cause: error });
    } finally {
      closeSync(errors);
    }
  }
}

/** Stops the server and removes its files (the mail too). */
export function stopDovecot(server: DovecotServer): void {
  const pidFile = join(server.dir, 'run', 'master.pid');
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : undefined;
  try {
    execFileSync(server.bin, ['-c', join(server.dir, 'dovecot.conf'), 'stop'], { stdio: 'ignore' });
    // `stop` only signals the master: wait for it to be gone before its files are removed.
    const until = Date.now() + 5000;
    while (pid && isRunning(pid) && Date.now() < until) execFileSync('sleep', ['0.05']);
  } finally {
    rmSync(server.dir, { recursive: true, force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** Resolves once the port accepts a connection (the master binds it before going to the background). */
async function waitForListener(port: number): Promise<void> {
  const until = Date.now() + 5000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
