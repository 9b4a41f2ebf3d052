import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { join, parse, resolve, sep } from 'node:path';

/**
 * `.bulletin/` holds what nobody else on the machine should read: the subscriber database, the
 * signing secret, outbox messages whose unsubscribe links work, and caches. Each is made owner-only
 * where it is made, not through a process-wide umask: `dist/` must stay world-readable for the
 * static host that serves it.
 */
export const PRIVATE_FILE = { mode: 0o600 } as const;
const PRIVATE_DIR_MODE = 0o700;

/**
 * Makes `dir` (and any missing parent) owner-only. A `.bulletin/` made by an older version (0755)
 * is tightened here, with each folder from it down to `dir`: the first command that writes there
 * closes it, and what older versions left inside is then out of reach with it.
 */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  for (const folder of bulletinFoldersTo(resolve(dir))) tighten(folder, PRIVATE_DIR_MODE);
}

/**
 * A SQLite file, created 0600 before SQLite opens it: SQLite gives the -wal and -shm files it makes
 * the main file's permission bits, so they are owner-only too. An existing one is tightened, with
 * its companions. Its folder is private if Bulletin makes it, or if it is under `.bulletin/`.
 */
export function preparePrivateDatabase(path: string): void {
  makePrivateDir(parse(resolve(path)).dir);
  if (!existsSync(path)) closeSync(openSync(path, 'a', PRIVATE_FILE.mode));
  for (const suffix of ['', '-wal', '-shm', '-journal']) {
    if (existsSync(`${path}${suffix}`)) tighten(`${path}${suffix}`, PRIVATE_FILE.mode);
  }
}

/**
 * An existing file or folder, owner-only (only when it is not already: chmod on every open would be noise).
 */
export function tighten(path: string, mode: number = PRIVATE_FILE.mode): void {
  if ((statSync(path).mode & 0o777) !== mode) chmodSync(path, mode);
}

/** `.../.bulletin`, `.../.bulletin/a`, ... down to `dir`; nothing when `dir` is not under a `.bulletin`. */
function bulletinFoldersTo(dir: string): string[] {
  const parts = dir.split(sep);
  const at = parts.lastIndexOf('.bulletin');
  if (at < 0) return [];
  const top = parts.slice(0, at + 1).join(sep) || sep;
  const folders = [top];
  for (const part of parts.slice(at + 1)) folders.push(join(folders.at(-1)!, part));
  return folders;
}
