import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { threadId } from 'node:worker_threads';
import { isErrno, MISSING, UNWRITABLE } from '../support/errors.js';
import { makePrivateDir, PRIVATE_FILE } from '../support/private-files.js';

/**
 * One file per issue date under a folder of `.bulletin/cache/`, each stored with the key it was made
 * under. A read under another key, or of a file that is not an entry or not the expected shape (cut
 * short by a crash, written by an older version, tampered with), is a miss: the caller makes the
 * value afresh and stores it again, so a bad entry only costs time.
 *
 * Entries are in V8's serialization format (`node:v8`), not JSON: an email's entry took 1.25 ms to
 * write as JSON and 0.33 ms so, and 0.8 ms to read against 0.06 ms (JSON made one string of the
 * whole entry, over V8's 128 KB for an ordinary object, then its UTF-8 copy). The format carries
 * its version, and bytes it does not take are an error, so a foreign or truncated file is a miss.
 */
export class KeyedFileCache<T> {
  private dirMade = false;

  constructor(
    private readonly dir: string,
    private readonly isValue: (value: unknown) => value is T,
  ) {}

  get(date: string, key: string): T | undefined {
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.file(date));
    } catch (error) {
      if (isErrno(error, ...MISSING)) return undefined;
      throw error;
    }
    let stored: unknown;
    try {
      stored = deserialize(bytes);
    } catch {
      return undefined;
    }
    if (typeof stored !== 'object' || stored === null) return undefined;
    const { key: storedKey, ...value } = stored as { key?: unknown };
    return storedKey === key && this.isValue(value) ? value : undefined;
  }

  set(date: string, key: string, value: T): void {
    const bytes = serialize({ key, ...value });
    const write = () => {
      this.madeDir();
      // Atomic: a reader sees the old entry or the new one, never half of one.
      const temporary = this.temporary(date);
      writeFileSync(temporary, bytes, PRIVATE_FILE);
      renameSync(temporary, this.file(date));
    };
    try {
      write();
    } catch (error) {
      if (!isErrno(error, ...MISSING)) {
        unwritable(error);
        return;
      }
      // The folder was removed since it was made (a `clean` meanwhile): made again, once.
      this.dirMade = false;
      try {
        write();
      } catch (again) {
        unwritable(again);
      }
    }
  }

  /**
   * `set`, with the file written while the caller goes on: on the thread that makes the emails, the
   * synchronous write of each entry (making a file costs 0.25 ms or more here) was on the critical
   * path. An entry not written (its folder removed meanwhile) is only a miss next time.
   */
  async store(date: string, key: string, value: T): Promise<void> {
    const bytes = serialize({ key, ...value });
    try {
      this.madeDir();
      const temporary = this.temporary(date);
      await writeFile(temporary, bytes, PRIVATE_FILE);
      await rename(temporary, this.file(date));
    } catch (error) {
      if (isErrno(error, ...MISSING)) this.dirMade = false;
      else unwritable(error);
    }
  }

  /**
   * Once per cache: every entry's mkdir and chmod checks cost a cold build 0.1-0.2 s. Entries of
   * the JSON format before this one are removed then: they would never be read again.
   */
  private madeDir(): void {
    if (this.dirMade) return;
    makePrivateDir(this.dir);
    for (const name of readdirSync(this.dir)) {
      if (name.endsWith('.json')) rmSync(join(this.dir, name), { force: true });
    }
    this.dirMade = true;
  }

  /** Unique per write, so that two writers (threads, processes, stores in flight) never share one. */
  private temporary(date: string): string {
    return `${this.file(date)}.${process.pid}-${threadId}-${(temporaries++).toString(36)}.tmp`;
  }

  private file(date: string): string {
    return join(this.dir, `${date}.v8`);
  }
}

let temporaries = 0;

/** A cache that cannot be written only costs time on the next build. */
function unwritable(error: unknown): void {
  if (!isErrno(error, ...UNWRITABLE)) throw error;
}
