import { mkdir, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import type { SiteFiles } from './model.js';
import { awaitedLater, isErrno, MISSING, unlessMissing } from '../support/errors.js';
import { type FileStamp, stampOf } from '../support/file-stamp.js';
import { sameBytesOnDisk } from '../support/file-writes.js';
import { fileWrite } from '../support/write-thread.js';

export interface SiteWrite {
  /** Paths (relative to the site folder) whose bytes changed or that are new: the only ones written. */
  written: string[];
  /** Files of the previous site that the new one does not have, deleted. */
  removed: string[];
  /**
   * Every file the site holds now, with its stamp, taken as it was staged or found unchanged: the
   * build memo remembers them without listing and statting the site after the build (~0.1 s of a
   * cold `build --all` of 520 issues, at its end, where nothing else ran).
   */
  stamps: Map<string, FileStamp>;
}

/**
 * Writes the site into `target` in place, touching only what changed: a file whose bytes are already
 * there is left alone (its modification time too, so a rebuild with nothing changed writes nothing
 * and an rsync or CDN in front of the folder sees nothing new), and a file the new site no longer
 * has (a removed issue's pages) is deleted. Changed files are first written whole into a staging
 * folder beside the target, and moved in by renames only once all of them (and the search index that
 * `fill` makes) exist: a build that fails leaves the previous site as it was, and a reader never sees a
 * half-written file.
 */
export async function writeSite(
  target: string,
  files: SiteFiles,
  fill?: (staging: string) => Promise<void>,
): Promise<SiteWrite> {
  const writer = await SiteWriter.open(target);
  try {
    for (const [path, content] of files) await writer.add(path, content);
  } catch (error) {
    await writer.abandon();
    throw error;
  }
  return writer.finish(fill);
}

/**
 * `writeSite` one file at a time, for a build that makes its files as it goes: each is in the staging
 * folder (or found unchanged) as soon as it is added, so the build need not hold them all. Nothing
 * reaches `target` before `finish`; `abandon` removes what was staged.
 */
export class SiteWriter {
  private readonly moves: { from: string; path: string }[] = [];
  private readonly wanted = new Set<string>();
  private readonly folders = new Folders();
  private readonly stagingFolders = new Set<string>();
  private readonly stamps = new Map<string, FileStamp>();
  private pending: Promise<void>[] = [];
  private filling: Promise<void> | undefined;

  private constructor(
    private readonly target: string,
    private readonly staging: string,
    private readonly filled: string,
    private readonly firstBuild: boolean,
  ) {}

  static async open(target: string): Promise<SiteWriter> {
    const parent = dirname(target);
    // Leftovers of a build that was killed mid-way (one build at a time writes a given dist/).
    for (const entry of await unlessMissing(readdir(parent), [])) {
      if (/^\.site-(staging|old|fill)-\d+$/.test(entry))
        await rm(join(parent, entry), { recursive: true, force: true });
    }
    const staging = join(parent, `.site-staging-${process.pid}`);
    const filled = join(parent, `.site-fill-${process.pid}`);
    // A first build has nothing on disk to compare with.
    return new SiteWriter(target, staging, filled, !(await isFolder(target)));
  }

  /** Stages one file (unless its bytes are on disk already); a few dozen are written at once. */
  async add(path: string, content: string | Uint8Array): Promise<void> {
    if (this.wanted.has(path)) {
      // Made twice (a logo named like a template asset): the last one wins, as in a map of files.
      await this.settle();
      const earlier = this.moves.findIndex((move) => move.path === path);
      if (earlier !== -1) this.moves.splice(earlier, 1);
    }
    this.wanted.add(path);
    this.pending.push(this.stage(path, content));
    // Bounded parallelism: thousands of small files, without exhausting file handles.
    if (this.pending.length >= 64) await this.settle();
  }

  /**
   * Starts `fill` into a folder of its own now, for work that can go on while the caller does
   * something else (pagefind writing its index while the emails are made); `finish` waits for it.
   */
  startFill(fill: (staging: string) => Promise<void>): void {
    const filling = (async () => {
      await mkdir(this.filled, { recursive: true });
      await fill(this.filled);
    })();
    awaitedLater(filling); // thrown by finish, or settled by abandon
    this.filling = filling;
  }

  /** Runs `fill` (unless `startFill` did), then moves every staged file and what it made into place. */
  async finish(fill?: (staging: string) => Promise<void>): Promise<SiteWrite> {
    const { target, moves, wanted, filled, folders, stamps } = this;
    if (fill) this.startFill(fill);
    try {
      await this.settle();
      if (this.filling) {
        await this.filling;
        for (const path of await filesUnder(filled)) {
          wanted.add(path);
          const changed =
            this.firstBuild || !sameBytesOnDisk(join(target, path), await readFile(join(filled, path)));
          if (changed) moves.push({ from: join(filled, path), path });
          stamps.set(path, stampOf(join(changed ? filled : target, path)));
        }
      }
    } catch (error) {
      await this.abandon();
      throw error;
    }
    if (await this.movedWhole()) {
      await this.removeWorkFolders();
      return { written: moves.map((m) => m.path).sort(), removed: [], stamps };
    }
    await inBatches(moves, async ({ from, path }) => {
      await folders.make(dirname(join(target, path)));
      await rename(from, join(target, path));
    });
    const removed = (await filesUnder(target)).filter((path) => !wanted.has(path));
    for (const path of removed) await rm(join(target, path), { force: true });
    await removeEmptyFolders(target, removed);
    await this.removeWorkFolders();
    return { written: moves.map((m) => m.path).sort(), removed, stamps };
  }

  /**
   * A first build's site, moved into place by renaming the staging folder, with what `fill` made moved
   * into it first: one rename where a file-by-file move of a 520-issue archive took ~1,600 renames, as
   * many folders made and removed, at the end of the build. False, with every staged file still
   * staged, when the target is there after all (another build made it meanwhile: it is then
   * updated as any later build's would be, its files this site lacks removed) or the fill made a
   * path the staging folder holds already: the files are then moved one by one, from wherever they
   * are.
   */
  private async movedWhole(): Promise<boolean> {
    if (!this.firstBuild) return false;
    const { staging, filled, target, moves } = this;
    await mkdir(staging, { recursive: true });
    const made = await unlessMissing(readdir(filled), []);
    const taken = new Set(await readdir(staging));
    if (made.some((entry) => taken.has(entry))) return false;
    for (const entry of made) await rename(join(filled, entry), join(staging, entry));
    for (const move of moves)
      if (move.from.startsWith(`${filled}${sep}`))
        move.from = join(staging, move.from.slice(filled.length + 1));
    try {
      await mkdir(dirname(target), { recursive: true });
      await rename(staging, target);
      return true;
    } catch (error) {
      if (!isErrno(error, 'EEXIST', 'ENOTEMPTY', 'ENOTDIR', 'EISDIR')) throw error;
      return false;
    }
  }

  async abandon(): Promise<void> {
    await Promise.allSettled([...this.pending, ...(this.filling ? [this.filling] : [])]);
    this.pending = [];
    await this.removeWorkFolders();
  }

  private async stage(path: string, content: string | Uint8Array): Promise<void> {
    if (!this.firstBuild && sameBytesOnDisk(join(this.target, path), content)) {
      this.stamps.set(path, stampOf(join(this.target, path)));
      return;
    }
    const file = join(this.staging, path);
    // Writes are done in the order asked for: the folder is there for any later write into it.
    const makeFolder = !this.stagingFolders.has(dirname(file));
    this.stagingFolders.add(dirname(file));
    await fileWrite({ kind: 'file', file: { path: file, content }, makeFolder });
    this.stamps.set(path, stampOf(file));
    this.moves.push({ from: file, path });
  }

  /** Waits for every staged write; the first failure is thrown once none is still running. */
  private async settle(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    const failed = (await Promise.allSettled(pending)).find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async removeWorkFolders(): Promise<void> {
    await Promise.all([this.staging, this.filled].map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

/** Bounded parallelism: thousands of small files, without exhausting file handles. */
async function inBatches<T>(items: readonly T[], each: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += 64) await Promise.all(items.slice(i, i + 64).map(each));
}

/** mkdir -p, once per folder: a site has thousands of files in a few hundred folders. */
class Folders {
  private readonly made = new Map<string, Promise<unknown>>();

  make(dir: string): Promise<unknown> {
    let making = this.made.get(dir);
    if (!making) {
      making = mkdir(dir, { recursive: true });
      this.made.set(dir, making);
    }
    return making;
  }
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (error) {
    if (isErrno(error, ...MISSING)) return false;
    throw error;
  }
}

/** Every file under `dir`, relative to it with forward slashes; none when it does not exist. */
async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await unlessMissing(readdir(join(dir, prefix), { withFileTypes: true }), [])) {
    const path = `${prefix}${entry.name}`;
    if (entry.isDirectory()) found.push(...(await filesUnder(dir, `${path}/`)));
    else found.push(path);
  }
  return found;
}

/** The folders that held removed files, deepest first, when nothing is left in them. */
async function removeEmptyFolders(target: string, removed: readonly string[]): Promise<void> {
  const folders = new Set<string>();
  for (const path of removed)
    for (let dir = dirname(path); dir !== '.' && dir !== ''; dir = dirname(dir)) folders.add(dir);
  for (const dir of [...folders].sort((a, b) => b.length - a.length)) {
    try {
      await rmdir(join(target, dir));
    } catch (error) {
      // Still holds files the new site has: it stays.
      if (!isErrno(error, 'ENOTEMPTY', 'EEXIST', ...MISSING)) throw error;
    }
  }
}
