import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { isErrno, MISSING } from './errors.js';

/** A file's path and its whole content. */
export interface FileContent {
  path: string;
  content: string | Uint8Array;
}

/**
 * What the write thread is asked to do (write-thread.ts), as plain data: a message it is posted, or a
 * call in this thread where there is no write thread.
 * - `atomic`: the files written to temporary names and renamed into place once all are written, so a
 *   reader sees either all the old ones or all the new ones per file, never a truncated file. Their
 *   folders are made first, unless `folderMade` says the caller made them (with a mode of its own);
 *   `mode` is the new files' permission bits. With `onlyChanged`, a file whose bytes are on disk
 *   already is left alone (its modification time too).
 * - `file`: one file written in place, its folder made first if `makeFolder`: for a file in a folder
 *   nobody reads until it is complete (the archive's staging folder).
 * With `handOver`, the caller gives up its byte contents: they are moved to the write thread rather
 *   than copied, and read as empty afterwards (write-thread.ts).
 */
export type FileWrite = (
  | {
      kind: 'atomic';
      files: FileContent[];
      mode?: number;
      folderMade?: boolean;
      temporarySuffix?: string;
      onlyChanged?: boolean;
    }
  | { kind: 'file'; file: FileContent; makeFolder: boolean }
) & { handOver?: boolean };

/**
 * Does `write` with synchronous calls: on the write thread, or in this thread where there is none.
 * Returns the paths written.
 */
export function applyFileWrite(write: FileWrite): string[] {
  if (write.kind === 'file') {
    if (write.makeFolder) mkdirSync(dirname(write.file.path), { recursive: true });
    writeFileSync(write.file.path, write.file.content);
    return [write.file.path];
  }
  const { mode, folderMade = false, temporarySuffix = `${process.pid}.tmp` } = write;
  const files = write.onlyChanged
    ? write.files.filter((file) => !sameBytesOnDisk(file.path, file.content))
    : write.files;
  const temporary = files.map((f) => `${f.path}.${temporarySuffix}`);
  try {
    // Each folder once: an email's two files share one.
    if (!folderMade)
      for (const dir of new Set(files.map((file) => dirname(file.path)))) mkdirSync(dir, { recursive: true });
    for (const [i, file] of files.entries())
      writeFileSync(temporary[i]!, file.content, mode === undefined ? {} : { mode });
    for (const [i, file] of files.entries()) renameSync(temporary[i]!, file.path);
    return files.map((file) => file.path);
  } catch (error) {
    // A temporary file that was never made (its folder could not be) is no failure of its own: the
    // error to report is the one that stopped the writes.
    for (const path of temporary) {
      try {
        rmSync(path, { force: true });
      } catch (cleanup) {
        if (!isErrno(cleanup, ...MISSING)) throw cleanup;
      }
    }
    throw error;
  }
}

/** True when `path` holds exactly `content` (a missing file, or a folder, does not). */
export function sameBytesOnDisk(path: string, content: string | Uint8Array): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    // A folder in its place (which some systems refuse to open) holds no bytes either.
    if (isErrno(error, ...MISSING, 'EISDIR')) return false;
    throw error;
  }
  try {
    // Size first: most changed files differ in length, and then need not be read (nor encoded).
    const size = typeof content === 'string' ? Buffer.byteLength(content) : content.byteLength;
    const stats = fstatSync(fd);
    if (!stats.isFile() || stats.size !== size) return false;
    const wanted = typeof content === 'string' ? Buffer.from(content) : content;
    return Buffer.from(wanted.buffer, wanted.byteOffset, wanted.byteLength).equals(readFileSync(fd));
  } finally {
    closeSync(fd);
  }
}
