import { statSync } from 'node:fs';
import { isErrno, MISSING } from './errors.js';

/** What a build's output is known by, to tell whether it is still as the build left it (build-memo.ts). */
export interface FileStamp {
  size: number;
  mtimeMs: number;
}

/**
 * `path`'s stamp now. A rename keeps both, so a file stamped where it was written (a staging folder)
 * has the same stamp where it is moved. With `missing`, a file not there is that, not an error.
 */
export function stampOf(path: string): FileStamp;
export function stampOf<T>(path: string, options: { missing: T }): FileStamp | T;
export function stampOf<T>(path: string, options?: { missing: T }): FileStamp | T {
  try {
    const { size, mtimeMs } = statSync(path);
    return { size, mtimeMs };
  } catch (error) {
    if (options && isErrno(error, ...MISSING)) return options.missing;
    throw error;
  }
}
