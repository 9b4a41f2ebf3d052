import type { FileContent } from './file-writes.js';
import { fileWrite } from './write-thread.js';

/**
 * Writes a set of files so that a reader sees either all the old ones or all the new ones' contents
 * per file, never a truncated file: each goes to a temporary name first and is renamed into place
 * only after every one of them was written (on the write thread where there is one: write-thread.ts).
 */
export async function writeFilesAtomically(files: readonly FileContent[]): Promise<void> {
  if (files.length > 0) await fileWrite({ kind: 'atomic', files: [...files] });
}

/**
 * The same, for only those files whose bytes differ from what is on disk: a rebuild that makes the
 * same output leaves the files (and their modification times) alone, so a sync or a cache in front
 * of them sees nothing new. Returns the paths written. The comparison is the write thread's too: on
 * the thread that makes a cold build's emails, opening each missing file through `fs/promises` to
 * learn it was missing was ~0.2 s of a CPU profile. With `handOver`, byte contents are moved there, not copied (file-writes.ts).
 */
export async function writeChangedFilesAtomically(
  files: readonly FileContent[],
  { handOver = false } = {},
): Promise<string[]> {
  if (files.length === 0) return [];
  return fileWrite({ kind: 'atomic', files: [...files], onlyChanged: true, handOver });
}

/**
 * Writes started without waiting for them, at most `limit` at a time, so that the thread goes on
 * with the next piece of work: a build of 520 emails spent 1-2 s waiting on its writes one by one.
 * The first failure is thrown by the next `add` or by `settle`, which a caller awaits before it
 * reports the files written.
 */
export class WritesInFlight {
  private readonly pending = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(private readonly limit = 16) {}

  async add(write: Promise<unknown>): Promise<void> {
    const tracked: Promise<void> = write
      .then(
        () => undefined,
        (error: unknown) => {
          this.failure ??= { error };
        },
      )
      .finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
    while (this.pending.size >= this.limit) await Promise.race(this.pending);
    this.throwFailure();
  }

  async settle(): Promise<void> {
    await Promise.all(this.pending);
    this.throwFailure();
  }

  /**
   * Waits for the writes in flight without throwing their failure: for a run that is failing for
   * another reason, so that it ends with no write (and no temporary file) still going.
   */
  async drain(): Promise<void> {
    await Promise.all(this.pending);
  }

  private throwFailure(): void {
    if (this.failure) throw this.failure.error;
  }
}
