import { createHash, type Hash } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import { type Dirent, readdirSync, readFileSync, readlinkSync, Stats, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LinkTarget } from '../checks/link-targets.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import {
  isPackedRendering,
  packed,
  type PackedRenderedIssue,
  type RenderedIssue,
  unpacked,
} from '../render/rendered-issue.js';
import { isErrno, MISSING } from '../support/errors.js';
import { KeyedFileCache } from './keyed-cache.js';

/** What a cached issue holds: its rendering, and the warnings found on the way (no errors). */
export interface CachedIssue {
  rendered: RenderedIssue;
  problems: Diagnostic[];
  links: LinkTarget[];
}

/**
 * Rendered issues on disk (`.bulletin/cache/render/DATE.v8`), each under a key made of the bytes
 * of its Markdown files, the config, the working folder (paths in reports are relative to it) and
 * the code itself, so an edit anywhere that could change the result is a miss. An archive build
 * then parses and renders only the issues that changed, as Hugo and Eleventy's caches do.
 */
export class RenderCache {
  private readonly entries: KeyedFileCache<StoredIssue>;

  constructor(
    root: string,
    /** What every key is made with besides the issue's own bytes (`renderCacheKey`). */
    readonly salt: string,
  ) {
    this.entries = new KeyedFileCache(renderCacheDir(root), isStoredIssue);
  }

  /** The key of an issue folder whose `issueDigest` is `digest`. */
  keyOf(digest: string): string {
    return renderCacheKey(this.salt, digest);
  }

  /** An entry is stored for `date`, under whatever key. */
  has(date: string): boolean {
    return this.entries.has(date);
  }

  get(date: string, key: string): CachedIssue | undefined {
    const cached = this.entries.get(date, key);
    return cached && { rendered: unpacked(cached.rendered), problems: cached.problems, links: cached.links };
  }

  set(date: string, key: string, value: CachedIssue): void {
    this.entries.set(date, key, stored(value));
  }

  /**
   * An entry made by `cacheEntry` (a prepare worker's), written as it is while the caller goes on
   * (see KeyedFileCache.store).
   */
  storeEntry(date: string, entry: Uint8Array): Promise<void> {
    return this.entries.storeBytes(date, entry);
  }
}

/** The key of an issue folder whose `issueDigest` is `digest`, in a cache made with `salt`. */
export function renderCacheKey(salt: string, digest: string): string {
  return createHash('sha256').update(salt).update(`\0${digest}`).digest('hex');
}

/**
 * An entry's bytes, as the cache writes them, made where the issue was prepared: a prepare worker
 * posts them, the thread that takes the issue writes them as they are and reads the issue from them
 * (`fromCacheEntry`) when it takes it. Posted as objects, each issue was serialized to be posted,
 * cloned into the taking thread, and serialized again there for the cache; it now crosses as the
 * entry, serialized once, and waits as bytes until it is taken.
 */
export function cacheEntry(key: string, value: CachedIssue): Uint8Array {
  return serialize({ key, ...stored(value) });
}

/** The issue in bytes `cacheEntry` made in this run (trusted: not checked as a file read is). */
export function fromCacheEntry(entry: Uint8Array): CachedIssue {
  const { rendered, problems, links } = deserialize(entry) as StoredIssue;
  return { rendered: unpacked(rendered), problems, links };
}

/** An entry as written: the rendering `packed`. */
type StoredIssue = Omit<CachedIssue, 'rendered'> & { rendered: PackedRenderedIssue };

function stored({ rendered, problems, links }: CachedIssue): StoredIssue {
  return { rendered: packed(rendered), problems, links };
}

function renderCacheDir(root: string): string {
  return join(root, '.bulletin', 'cache', 'render');
}

/**
 * How many of `dates` have an entry in the render cache, under whatever key: one look at the folder,
 * for a guess at how much a run will prepare before it makes any key.
 */
export function datesInRenderCache(root: string, dates: readonly string[]): number {
  let names: Set<string>;
  try {
    names = new Set(readdirSync(renderCacheDir(root)));
  } catch (error) {
    if (isErrno(error, ...MISSING)) return 0;
    throw error;
  }
  return dates.filter((date) => names.has(`${date}.v8`)).length;
}

function isStoredIssue(value: unknown): value is StoredIssue {
  const entry = value as Partial<StoredIssue>;
  return isPackedRendering(entry.rendered) && Array.isArray(entry.problems) && Array.isArray(entry.links);
}

/**
 * Every file of a folder by name and content, at any depth (templates: a partial or a stylesheet an
 * MJML include reads is as much an input as the layout).
 */
export function hashFolder(hash: Hash, dir: string): void {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      hash.update(`\0${name}/`);
      hashFolder(hash, path);
    } else hash.update(`\0${name}\0`).update(readFileSync(path));
  }
  hash.update('\0..');
}

/**
 * An issue folder's files as `hashTree` reads them, or undefined when the folder (or a file in it)
 * went missing while it was read or may not be read, or the folder is a link that leads nowhere or
 * round in a circle: loading the issue then reports why.
 */
export function issueDigest(issueDir: string): string | undefined {
  return readIssueFolder(issueDir)?.digest;
}

/** An issue folder as one walk read it: its digest, and the Markdown it read on the way. */
export interface IssueFolder {
  digest: string;
  /**
   * Each Markdown name at the top of the folder, with the bytes read for the digest, or undefined
   * for one that is not a file (a folder so named, a link leading nowhere): the loader reads such a
   * name itself, to say why it cannot.
   */
  markdown: Map<string, Buffer | undefined>;
}

/**
 * `issueDigest`, keeping the Markdown it read, so that the issue is loaded from the very bytes its
 * key was made of: read again, an edit in between made the cache keep a rendering under the key of
 * other bytes, and a cold `build --all` of 520 issues read every file twice (~0.25 s of CPU).
 */
export function readIssueFolder(issueDir: string): IssueFolder | undefined {
  const hash = createHash('sha256');
  const markdown = new Map<string, Buffer | undefined>();
  try {
    hashTree(hash, issueDir, '', new Set(), (name, bytes) => markdown.set(name, bytes));
  } catch (error) {
    if (isErrno(error, ...MISSING, 'ELOOP', 'EACCES', 'EPERM')) return undefined;
    throw error;
  }
  return { digest: hash.digest('hex'), markdown };
}

/**
 * Markdown by content; anything else (images, which checks look for) by name, size and time, at any
 * depth; a link that leads nowhere or to itself by where it points, and a folder reached again through
 * a link inside it as such, not walked again (the loader names any of these an issue needs). Each
 * entry is written with its kind, and a file's content with its length, so that no two trees are
 * written alike. `onMarkdown` is told each `.md` name at the top of the tree, with its bytes when it
 * is a file.
 */
export function hashTree(
  hash: Hash,
  dir: string,
  prefix: string,
  above: ReadonlySet<string> = new Set(),
  onMarkdown?: (name: string, bytes: Buffer | undefined) => void,
): void {
  const folders = new Set(above).add(folderId(statSync(dir)));
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort(byName)) {
    const { name } = entry;
    const path = join(dir, name);
    const at = `${prefix}${name}`;
    const markdown = name.endsWith('.md');
    // A Markdown file the folder's listing says is a file is read without a stat of its own: one
    // stat less for each of the 5,713 files of 520 issues (~20 ms of the ~105 ms their walk took).
    const info = markdown && entry.isFile() ? undefined : statOrLink(path);
    let bytes: Buffer | undefined;
    if (info !== undefined && !(info instanceof Stats)) hash.update(`\0L${at}\0${info.link}`);
    else if (info?.isDirectory() && folders.has(folderId(info))) hash.update(`\0C${at}`);
    else if (info?.isDirectory()) hashTree(hash.update(`\0D${at}`), path, `${at}/`, folders);
    else if (markdown) {
      bytes = readFileSync(path);
      hash.update(`\0M${at}\0${bytes.length}\0`).update(bytes);
    } else hash.update(`\0F${at}\0${info!.size}\0${info!.mtimeMs}`);
    if (markdown) onMarkdown?.(name, bytes);
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
