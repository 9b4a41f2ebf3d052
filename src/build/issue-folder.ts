import { createHash } from 'node:crypto';
import {
  closeSync,
  type Dirent,
  fstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  Stats,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { isErrno, MISSING } from '../support/errors.js';

/**
 * An issue folder as the caches key it: its digest, a hash of what it holds (Markdown by content;
 * anything else, images that checks look for, by name, size and time; at any depth), and its stamp,
 * a hash of every entry's stats alone, by which a later build knows the folder unchanged without
 * reading it (folder-stamps.ts).
 */
export interface IssueFolder {
  digest: string;
  /**
   * Each Markdown name at the top of the folder, with the bytes read for the digest, or undefined
   * for one that is not a file (a folder so named, a link leading nowhere): the loader reads such a
   * name itself, to say why it cannot.
   */
  markdown: Map<string, Buffer | undefined>;
  /** The folder's `folderStamp`, taken of each file before its bytes were read. */
  stamp: FolderStamp;
}

/** An issue folder by its entries' stats: the same stamp, the same folder, as git's index tells. */
export interface FolderStamp {
  /** A hash of each entry's name and kind, and of each file's device, inode, size, and times. */
  stamp: string;
  /** The latest modification or change time of any file in it, in the file system's clock (ms). */
  newest: number;
  /** The device the folder and everything in it is on; undefined where they are on more than one. */
  device: number | undefined;
}

/**
 * The folder's digest, or undefined when the folder (or a file in it) went missing while it was read
 * or may not be read, or the folder is a link that leads nowhere or round in a circle: loading the
 * issue then reports why.
 */
export function issueDigest(issueDir: string): string | undefined {
  return readIssueFolder(issueDir)?.digest;
}

/**
 * `issueDigest`, keeping the Markdown it read, so that the issue is loaded from the very bytes its
 * key was made of: read again, an edit in between made the cache keep a rendering under the key of
 * other bytes, and a cold `build --all` of 520 issues read every file twice (~0.25 s of CPU).
 */
export function readIssueFolder(issueDir: string): IssueFolder | undefined {
  const markdown = new Map<string, Buffer | undefined>();
  const walk = new FolderWalk((name, bytes) => markdown.set(name, bytes));
  if (!walked(walk, issueDir)) return undefined;
  return { digest: walk.digest(), markdown, stamp: walk.stamped() };
}

/**
 * The folder's stamp as `readIssueFolder` takes it, from the stats alone: 5,720 Markdown files of 520
 * issues statted, not read and hashed (~60 against ~185 ms). Undefined where the digest would be.
 */
export function folderStamp(issueDir: string): FolderStamp | undefined {
  const walk = new FolderWalk();
  return walked(walk, issueDir) ? walk.stamped() : undefined;
}

function walked(walk: FolderWalk, dir: string): boolean {
  try {
    walk.tree(dir, '', new Set());
    return true;
  } catch (error) {
    if (isErrno(error, ...MISSING, 'ELOOP', 'EACCES', 'EPERM')) return false;
    throw error;
  }
}

/**
 * One walk of a folder, at any depth: a link that leads nowhere or to itself is taken by where it
 * points, and a folder reached again through a link inside it as such, not walked again (the loader
 * names any of these an issue needs). Each entry is written with its kind, and a file's content with
 * its length, so that no two trees are written alike. With `onMarkdown` it reads each Markdown file
 * (and is told each `.md` name at the top of the tree, with its bytes when it is a file); without,
 * it only stamps.
 */
class FolderWalk {
  private readonly content = createHash('sha256');
  private readonly stamp = createHash('sha256');
  private newest = 0;
  private readonly devices = new Set<number>();

  constructor(private readonly onMarkdown?: (name: string, bytes: Buffer | undefined) => void) {}

  digest(): string {
    return this.content.digest('hex');
  }

  stamped(): FolderStamp {
    const [device, other] = this.devices;
    return {
      stamp: this.stamp.digest('hex'),
      newest: this.newest,
      device: other === undefined ? device : undefined,
    };
  }

  tree(dir: string, prefix: string, above: ReadonlySet<string>): void {
    const folder = statSync(dir);
    this.devices.add(folder.dev);
    const folders = new Set(above).add(folderId(folder));
    const reading = this.onMarkdown !== undefined;
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort(byName)) {
      const { name } = entry;
      const path = join(dir, name);
      const at = `${prefix}${name}`;
      const markdown = name.endsWith('.md');
      // A Markdown file the folder's listing says is a file is read without a stat of its own, its
      // stamp taken from the open file: one call less for each of the 5,713 files of 520 issues.
      const read = reading && markdown && entry.isFile() ? readWithStats(path) : undefined;
      const info = read?.info ?? statOrLink(path);
      if (!(info instanceof Stats)) this.both(`\0L${at}\0${info.link}`);
      else if (info.isDirectory() && folders.has(folderId(info))) this.both(`\0C${at}`);
      else if (info.isDirectory()) {
        this.both(`\0D${at}`);
        this.tree(path, `${at}/`, folders);
      } else if (markdown && reading) {
        const { bytes, info: readInfo } = read ?? readWithStats(path);
        this.file(at, readInfo);
        this.content.update(`\0M${at}\0${bytes.length}\0`).update(bytes);
        if (prefix === '') this.onMarkdown!(name, bytes);
        continue;
      } else {
        this.file(at, info);
        if (!markdown) this.content.update(`\0F${at}\0${info.size}\0${info.mtimeMs}`);
      }
      if (markdown && prefix === '') this.onMarkdown?.(name, undefined);
    }
  }

  private both(line: string): void {
    this.content.update(line);
    this.stamp.update(line);
  }

  private file(at: string, info: Stats): void {
    const { dev, ino, size, mtimeMs, ctimeMs } = info;
    this.stamp.update(`\0F${at}\0${dev}:${ino}\0${size}\0${mtimeMs}\0${ctimeMs}`);
    this.newest = Math.max(this.newest, mtimeMs, ctimeMs);
    this.devices.add(dev);
  }
}

/**
 * A file's bytes, and its stats as it was opened: before any byte was read, so that an edit while it
 * is read changes the file's stats from those of its stamp. Read as `readFileSync` reads (to the size
 * statted; a file that shows none, to its end), by hand: `readFileSync` on the descriptor stats it
 * again.
 */
function readWithStats(path: string): { bytes: Buffer; info: Stats } {
  const fd = openSync(path, 'r');
  try {
    const info = fstatSync(fd);
    if (info.size === 0) return { bytes: readFileSync(fd), info };
    const bytes = Buffer.allocUnsafe(info.size);
    let length = 0;
    while (length < bytes.length) {
      const read = readSync(fd, bytes, length, bytes.length - length, null);
      if (read === 0) break;
      length += read;
    }
    return { bytes: length < bytes.length ? bytes.subarray(0, length) : bytes, info };
  } finally {
    closeSync(fd);
  }
}

function byName(a: Dirent, b: Dirent): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function folderId(info: Stats): string {
  return `${info.dev}:${info.ino}`;
}

/** An entry's stat, or where it points when it is a link that leads nowhere or to itself. */
function statOrLink(path: string): Stats | { link: string } {
  try {
    return statSync(path);
  } catch (error) {
    if (!isErrno(error, 'ENOENT', 'ELOOP')) throw error;
    try {
      return { link: readlinkSync(path) };
    } catch (notALink) {
      // Not a link after all: the entry went missing since the folder was read.
      if (isErrno(notALink, ...MISSING, 'EINVAL')) throw error;
      throw notALink;
    }
  }
}
