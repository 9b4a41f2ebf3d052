import { statSync } from 'node:fs';
import { isErrno, MISSING } from './errors.js';

/** What a build's output is known by, to tell whether it is still as the build left it (build-memo.ts). */
export interface FileStamp {
  size: number;
  mtimeMs: number;
}

/**
 * `path`'s stamp now. A rename keeps both, so a file stamped where it was written (a staging folder)
 * has the same stamp where it is moved.
 */
export function stampOf(path: string): FileStamp {
  const { size, mtimeMs } = statSync(path);
  return { size, mtimeMs };
}

/** `stampOf`, or undefined for a file that is not there (removed since it was written). */
export function stampIfThere(path: string): FileStamp | undefined {
  try {
    return stampOf(path);
  } catch (error) {
    if (isErrno(error, ...MISSING)) return undefined;
    throw error;
  }
}
