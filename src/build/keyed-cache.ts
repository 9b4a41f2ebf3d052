import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isErrno, UNWRITABLE } from '../support/errors.js';
import { makePrivateDir, PRIVATE_FILE } from '../support/private-files.js';

/**
 * One JSON file per issue date under a folder of `.bulletin/cache/`, each stored with the key it was
 * made under. A read under another key, or of a file that is not JSON or not the expected shape
 * (cut short by a crash, written by an older version, tampered with), is a miss: the caller makes
 * the value afresh and stores it again, so a bad entry only costs time.
 */
export class KeyedFileCache<T> {
  constructor(
    private readonly dir: string,
    private readonly isValue: (value: unknown) => value is T,
  ) {}

  get(date: string, key: string): T | undefined {
    let stored: unknown;
    try {
      stored = JSON.parse(readFileSync(this.file(date), 'utf8'));
    } catch (error) {
      if (isErrno(error, 'ENOENT') || error instanceof SyntaxError) return undefined;
      throw error;
    }
    if (typeof stored !== 'object' || stored === null) return undefined;
    const { key: storedKey, ...value } = stored as { key?: unknown };
    return storedKey === key && this.isValue(value) ? value : undefined;
  }

  set(date: string, key: string, value: T): void {
    try {
      makePrivateDir(this.dir);
      // Atomic: a reader sees the old entry or the new one, never half of one.
      const temporary = `${this.file(date)}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify({ key, ...value }), PRIVATE_FILE);
      renameSync(temporary, this.file(date));
    } catch (error) {
      // A cache that cannot be written only costs time on the next build.
      if (!isErrno(error, ...UNWRITABLE)) throw error;
    }
  }

  private file(date: string): string {
    return join(this.dir, `${date}.json`);
  }
}
