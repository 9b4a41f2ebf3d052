import { closeSync, fstatSync, openSync, rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { isErrno, MISSING, UNWRITABLE } from '../support/errors.js';
import { makePrivateDir, PRIVATE_FILE } from '../support/private-files.js';
import { codeVersion } from './code-version.js';
import { type FolderStamp, folderStamp, readIssueFolder } from './issue-folder.js';
import { KeyedFileCache } from './keyed-cache.js';

/** A folder's stamp, with the digest of the bytes it held when it was so stamped. */
interface KnownFolder {
  stamp: string;
  digest: string;
}

interface StoredStamps {
  folders: Record<string, KnownFolder>;
}

const STAMPS_NAME = 'stamps';

/**
 * Each issue folder's digest by its stamp (`.bulletin/cache/build/stamps.v8`), so that a build finds
 * an unchanged folder's digest from its files' stats, as git's index finds a file unchanged, and
 * reads no byte of it: a rebuild of 520 issues with nothing changed read and hashed 5,720 Markdown
 * files (~185 ms of its ~700), where statting them takes ~60 ms.
 *
 * A stamp is taken of each file before its bytes are read, so an edit after it changes the file's
 * change time, and so its stamp, unless the edit falls in the same tick of the file system's clock
 * as the change before it (a coarse clock ticks every few milliseconds; some file systems keep
 * seconds). So a folder is remembered only if every file in it last changed before the build began,
 * in that clock (`start`, the change time of a file made for it), as git treats an entry "racily
 * clean"; a folder changed since is read again next time. That clock is the folder's only where the
 * file is made on the folder's device (a folder elsewhere, through a link or a mount, may keep
 * coarser times or another machine's clock: it is read every time), and only on a local file system
 * of Linux's (`LOCAL_FILE_SYSTEMS`): a network one may answer a stat from a cache of attributes for
 * up to a minute, where opening a file asks the server, and elsewhere the kind is not told. A clock
 * set back by a tick or more could still hide an edit made in a tick already stamped, as it can
 * from git. Keyed on the code: the digest is its hash.
 */
export class FolderStamps {
  private readonly noted: Record<string, KnownFolder> = {};

  private constructor(
    private readonly store: KeyedFileCache<StoredStamps>,
    private readonly known: Readonly<Record<string, KnownFolder>>,
    /**
     * When the build began, in the clock of the file system of `.bulletin/`, and its device;
     * undefined where no file could be made there, or it is not a local file system.
     */
    private readonly since: { time: number; device: number } | undefined,
  ) {}

  /** At the start of a build, before any issue is read: takes the time, and the stamps stored. */
  static start(root: string): FolderStamps {
    const dir = join(root, '.bulletin', 'cache', 'build');
    const store = new KeyedFileCache(dir, isStoredStamps);
    return new FolderStamps(store, store.get(STAMPS_NAME, codeVersion())?.folders ?? {}, fileSystemNow(dir));
  }

  /** The folder's digest: from its stamp where it is known, else read (undefined where unreadable). */
  digestOf(date: string, dir: string): string | undefined {
    const known = this.since && this.known[date];
    if (known && folderStamp(dir)?.stamp === known.stamp) {
      this.noted[date] = known;
      return known.digest;
    }
    const folder = readIssueFolder(dir);
    if (folder) this.note(date, folder.digest, folder.stamp);
    return folder?.digest;
  }

  /** `digest` was read from the folder when it had `stamp`: remembered if the folder is settled. */
  note(date: string, digest: string, { stamp, newest, device }: FolderStamp): void {
    if (this.since && device === this.since.device && newest < this.since.time)
      this.noted[date] = { stamp, digest };
  }

  /**
   * Stores what was noted, with what was known of other folders (of those in `dates`, where the
   * caller lists every issue); nothing when nothing is new.
   */
  save(dates?: readonly string[]): void {
    const kept = dates ? new Set(dates) : undefined;
    const folders = { ...this.known, ...this.noted };
    for (const date of Object.keys(folders)) if (kept && !kept.has(date)) delete folders[date];
    const changed =
      Object.keys(folders).length !== Object.keys(this.known).length ||
      Object.entries(this.noted).some(([date, { stamp }]) => this.known[date]?.stamp !== stamp);
    if (changed) this.store.set(STAMPS_NAME, codeVersion(), { folders });
  }
}

/**
 * Linux's local file systems (`statfs` magic numbers, linux/magic.h): ext2-4, XFS, Btrfs, tmpfs,
 * ZFS, F2FS, overlayfs (containers).
 */
const LOCAL_FILE_SYSTEMS = new Set([
  0xef53, 0x58465342, 0x9123683e, 0x01021994, 0x2fc12fc1, 0xf2f52010, 0x794c7630,
]);

/**
 * Now in the clock of `dir`'s file system, which stamps its files' times: the change time of a file
 * made for it (and removed; one left by a run killed meanwhile ends in `.tmp`, which the cache's
 * folder sweeps), and its device. Undefined where none can be made there, or where the file system
 * is not one of `LOCAL_FILE_SYSTEMS`: then nothing is remembered.
 */
function fileSystemNow(dir: string): { time: number; device: number } | undefined {
  const path = join(dir, `now-${process.pid}-${threadId}.tmp`);
  try {
    makePrivateDir(dir);
    if (process.platform !== 'linux' || !LOCAL_FILE_SYSTEMS.has(statfsSync(dir).type)) return undefined;
    // Made anew, never opened as left by a run killed here: its change time would be that run's.
    rmSync(path, { force: true });
    const fd = openSync(path, 'wx', PRIVATE_FILE.mode);
    try {
      const { ctimeMs, dev } = fstatSync(fd);
      return { time: ctimeMs, device: dev };
    } finally {
      closeSync(fd);
      rmSync(path, { force: true });
    }
  } catch (error) {
    if (isErrno(error, ...UNWRITABLE, ...MISSING)) return undefined;
    throw error;
  }
}

function isStoredStamps(value: unknown): value is StoredStamps {
  const { folders } = value as Partial<StoredStamps>;
  return (
    typeof folders === 'object' &&
    folders !== null &&
    Object.values(folders).every(
      (known) =>
        typeof known === 'object' &&
        known !== null &&
        typeof (known as KnownFolder).stamp === 'string' &&
        typeof (known as KnownFolder).digest === 'string',
    )
  );
}
