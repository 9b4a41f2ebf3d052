import { realpathSync } from 'node:fs';
import { lstat, open, readlink, realpath, type FileHandle } from 'node:fs/promises';
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

/**
 * The file at `path`, read only if the file actually opened is inside `folder`; undefined if not.
 * Judging the path and then reading it by name can be raced: a writer who swaps the file for a
 * link to outside between the two gets the outside file served. So the file is opened once, the
 * open handle is judged, and the bytes come from that same handle.
 */
export async function readFileInside(path: string, folder: string): Promise<Buffer | undefined> {
  const handle = await open(path, 'r');
  try {
    return (await handleIsInside(handle, path, folder)) ? await handle.readFile() : undefined;
  } finally {
    await handle.close();
  }
}

/** Whether the file `handle` holds (opened from `path`) is inside `folder`, links followed. */
export async function handleIsInside(handle: FileHandle, path: string, folder: string): Promise<boolean> {
  const realFolder = await realpath(folder);
  const opened = await openedPath(handle);
  if (opened !== undefined) return isInside(opened, realFolder);
  // No /proc (macOS): the name judged inside must still be the very file the handle holds.
  const real = await realpath(path);
  if (!isInside(real, realFolder)) return false;
  const [held, named] = await Promise.all([handle.stat(), lstat(real)]);
  return held.dev === named.dev && held.ino === named.ino;
}

/** Where the kernel says an open file is (Linux's /proc/self/fd), or undefined where it cannot say. */
async function openedPath(handle: FileHandle): Promise<string | undefined> {
  try {
    return await readlink(`/proc/self/fd/${handle.fd}`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (['ENOENT', 'ENOTDIR', 'EINVAL', 'EACCES'].includes(code)) return undefined;
    throw error;
  }
}
