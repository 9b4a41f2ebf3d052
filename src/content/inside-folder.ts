import { realpathSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/**
 * One rule, for `check`, the build and the preview alike, for files published from an issue
 * folder: the path is inside the folder, and so is the file it really is (a symbolic link out of
 * the folder would publish whatever it points at: the config, a key, /etc/...).
 */
export function isInside(path: string, folder: string): boolean {
  const inside = relative(resolve(folder), resolve(path));
  // `..` alone or as the first step leaves the folder; a name like `..notes.png` does not.
  return inside !== '' && inside !== '..' && !inside.startsWith(`..${sep}`) && !isAbsolute(inside);
}

/** Whether the file at `path`, links followed, is inside `folder` (links followed too); it must exist. */
export function reallyInsideSync(path: string, folder: string): boolean {
  return isInside(realpathSync(path), realpathSync(folder));
}

/** The same, without blocking a server; it must exist too (ENOENT otherwise). */
export async function reallyInside(path: string, folder: string): Promise<boolean> {
  return isInside(await realpath(path), await realpath(folder));
}
