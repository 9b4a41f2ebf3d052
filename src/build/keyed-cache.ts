import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { types } from 'node:util';
import { deserialize, serialize } from 'node:v8';
import { threadId } from 'node:worker_threads';
import { isErrno, MISSING, UNWRITABLE } from '../support/errors.js';
import { makePrivateDir, PRIVATE_FILE } from '../support/private-files.js';
import { applyFileWrite, type FileWrite } from '../support/file-writes.js';
import { fileWrite } from '../support/write-thread.js';

/**
 * One file per issue date under a folder of `.bulletin/cache/`, each stored with the key it was made
 * under. A read under another key, or of a file that is not an entry or not the expected shape (cut
 * short by a crash, written by an older version, tampered with, unreadable), is a miss: the caller
 * makes the value afresh and stores it again, so a bad entry only costs time.
 *
 * Entries are in V8's serialization format (`node:v8`), not JSON: an email's entry took 1.25 ms to
 * write as JSON and 0.33 ms so, and 0.8 ms to read against 0.06 ms (JSON made one string of the
 * whole entry, over V8's 128 KB for an ordinary object, then its UTF-8 copy). A truncated or
 * foreign file fails to deserialize; one that deserializes is held to plain data with no sparse
 * array (the format can say "an array of 4 billion holes" in 15 bytes), then to the caller's shape.
 */
export class KeyedFileCache<T> {
  private dirMade = false;
  /** Set once a write failed for the place's sake (read-only, full): the run writes no more. */
  private unwritable = false;

  constructor(
    private readonly dir: string,
    private readonly isValue: (value: unknown) => value is T,
  ) {}

  /** An entry is stored under `date`, whatever its key. */
  has(date: string): boolean {
    return existsSync(this.file(date));
  }

  get(date: string, key: string): T | undefined {
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.file(date));
    } catch (error) {
      if (isErrno(error, ...MISSING, ...UNWRITABLE, 'ERR_FS_FILE_TOO_LARGE')) return undefined;
      throw error;
    }
    let stored: unknown;
    try {
      stored = deserialize(bytes);
    } catch (error) {
      // Bytes that are not an entry: deserialize throws an Error (a RangeError when nested too deep).
      if (!types.isNativeError(error)) throw error;
      return undefined;
    }
    if (typeof stored !== 'object' || stored === null || !denseData(stored, bytes.length)) return undefined;
    const { key: storedKey, ...value } = stored as { key?: unknown };
    return storedKey === key && this.isValue(value) ? value : undefined;
  }

  set(date: string, key: string, value: T): void {
    if (this.unwritable) return;
    const bytes = serialize({ key, ...value });
    const write = () => {
      this.madeDir();
      applyFileWrite(this.entryWrite(date, bytes));
    };
    try {
      write();
    } catch (error) {
      if (!isErrno(error, ...MISSING)) {
        this.failed(error);
        return;
      }
      // The folder was removed since it was made (a `clean` meanwhile): made again, once.
      this.dirMade = false;
      try {
        write();
      } catch (again) {
        this.failed(again);
      }
    }
  }

  /**
   * `set`, with the file written while the caller goes on: on the thread that makes the emails, the
   * synchronous write of each entry (making a file costs 0.25 ms or more here) was on the critical
   * path. It is written on the write thread where there is one (write-thread.ts). An entry not
   * written (its folder removed meanwhile) is only a miss next time.
   */
  async store(date: string, key: string, value: T): Promise<void> {
    if (this.unwritable) return;
    // Its bytes are the write's from here: moved to the write thread, not copied.
    await this.storeBytes(date, serialize({ key, ...value }), { handOver: true });
  }

  /**
   * `store` of an entry serialized already, as `store` would (`{ key, ...value }`); `handOver`: the
   * bytes are moved to the write thread, and no longer the caller's (else copied).
   */
  async storeBytes(date: string, bytes: Uint8Array, { handOver = false } = {}): Promise<void> {
    if (this.unwritable) return;
    try {
      this.madeDir();
      await fileWrite({ ...this.entryWrite(date, bytes), handOver });
    } catch (error) {
      if (isErrno(error, ...MISSING)) this.dirMade = false;
      else this.failed(error);
    }
  }

  /** A cache that cannot be written only costs time on the next build; any other failure is a bug. */
  private failed(error: unknown): void {
    if (!isErrno(error, ...UNWRITABLE)) throw error;
    this.unwritable = true;
  }

  /**
   * Once per cache: every entry's mkdir and chmod checks cost a cold build 0.1-0.2 s. Then, what no
   * run reads: entries of the JSON format before this one, and temporary files over an hour old (a
   * run killed mid-write).
   */
  private madeDir(): void {
    if (this.dirMade) return;
    makePrivateDir(this.dir);
    this.dirMade = true;
    for (const name of readdirSync(this.dir)) {
      const path = join(this.dir, name);
      if (name.endsWith('.json') || (name.endsWith('.tmp') && olderThanAnHour(path)))
        rmSync(path, { force: true });
    }
  }

  /**
   * An entry's file, written atomically (a reader sees the old entry or the new one, never half of
   * one) under a temporary name unique per write, so that two writers (threads, processes, stores in
   * flight) never share one.
   */
  private entryWrite(date: string, bytes: Uint8Array): FileWrite {
    return {
      kind: 'atomic',
      files: [{ path: this.file(date), content: bytes }],
      mode: PRIVATE_FILE.mode,
      folderMade: true,
      temporarySuffix: `${process.pid}-${threadId}-${(temporaries++).toString(36)}.tmp`,
    };
  }

  private file(date: string): string {
    return join(this.dir, `${date}.v8`);
  }
}

let temporaries = 0;

function olderThanAnHour(path: string): boolean {
  const modified = statSync(path, { throwIfNoEntry: false })?.mtimeMs;
  return modified !== undefined && Date.now() - modified > 3_600_000;
}

/**
 * Plain data whose arrays have every element: what a cache entry is. `budget` (the entry's size in
 * bytes) bounds the walk, as each element of a dense array takes at least one byte of it.
 */
function denseData(value: object, budget: number): boolean {
  const pending: object[] = [value];
  let seen = 0;
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (Array.isArray(next)) {
      seen += next.length;
      if (seen > budget) return false;
      for (let i = 0; i < next.length; i++) {
        if (!(i in next)) return false;
        if (typeof next[i] === 'object' && next[i] !== null) pending.push(next[i]);
      }
    } else {
      // A plain object's prototype is Object.prototype: of whichever realm deserialized it (a test's
      // vm context has its own), so it is told by its own prototype being null.
      const prototype = Object.getPrototypeOf(next) as object | null;
      if (prototype !== null && Object.getPrototypeOf(prototype) !== null) return false;
      for (const item of Object.values(next)) {
        seen++;
        if (typeof item === 'object' && item !== null) pending.push(item);
      }
      if (seen > budget) return false;
    }
  }
  return true;
}
