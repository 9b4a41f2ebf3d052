/**
 * An issue as the stages take it, prepared or from the render cache: apart from the preparing
 * toolchain (prepare.ts), so that a thread that only takes prepared issues never loads the parsers.
 */
import { join } from 'node:path';
import type { LinkTarget } from '../checks/link-targets.js';
import type { Config } from '../content/model.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { PackedRenderedIssue, RenderedIssue } from '../render/rendered-issue.js';
import { codeVersion } from './code-version.js';
import { type FolderStamp, readIssueFolder } from './issue-folder.js';
import { RenderCache } from './render-cache.js';

/**
 * One issue after load -> check -> render: plain data, so it can cross a worker boundary or sit in the cache.
 */
export interface PreparedIssue {
  date: string;
  problems: Diagnostic[];
  /** Present when the issue has no errors. */
  rendered?: RenderedIssue;
  /** Every web address in the issue and where it is written, for the network link check. */
  links: LinkTarget[];
  /**
   * The render cache's key for the issue's files: the rendering is a function of it, so the email
   * cache keys on it too, rather than hashing the rendering itself (JSON of 60-100 KB an issue).
   */
  sourceKey?: string;
  /** The issue folder's `issueDigest`, of the bytes it was prepared from (unless they could not be read). */
  digest?: string;
  /** The folder's stamp, taken as it was read for `digest` (not when the caller read it). */
  stamp?: FolderStamp;
}

/**
 * A prepared issue as a prepare worker posts it: with a rendering and a render cache, as that cache's
 * entry (`cacheEntry`, render-cache.ts), to be written as it is; else its rendering `packed`
 * (rendered-issue.ts), if any.
 */
export type PostedIssue =
  | (Omit<PreparedIssue, 'rendered'> & { rendered?: PackedRenderedIssue })
  | { date: string; digest: string; stamp?: FolderStamp; sourceKey: string; entry: Uint8Array };

export function renderCacheFor(root: string, config: Config): RenderCache {
  return new RenderCache(root, [codeVersion(), process.cwd(), root, JSON.stringify(config)].join('\0'));
}

/**
 * The cached preparation of an issue whose files are unchanged. `digest`: the issue folder's
 * `issueDigest`, when the caller read it already; without one, the folder is read only if the cache
 * holds an entry for its date (a first build reads each file once, as it prepares the issue).
 */
export function fromCache(
  root: string,
  date: string,
  cache: RenderCache | undefined,
  digest?: string,
): PreparedIssue | undefined {
  if (!cache || (digest === undefined && !cache.has(date))) return undefined;
  const folder = digest === undefined ? readIssueFolder(join(root, 'bulletins', date)) : undefined;
  const read = digest ?? folder?.digest;
  const key = read === undefined ? undefined : cache.keyOf(read);
  const cached = key === undefined ? undefined : cache.get(date, key);
  return (
    cached && {
      date,
      problems: cached.problems,
      rendered: cached.rendered,
      links: cached.links,
      sourceKey: key,
      digest: read,
      ...(folder ? { stamp: folder.stamp } : {}),
    }
  );
}
