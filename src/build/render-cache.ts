import { createHash, type Hash } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import { readdirSync, readFileSync, statSync } from 'node:fs';
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
