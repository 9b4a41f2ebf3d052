import { join } from 'node:path';
import { checkIssue } from '../checks/issue-checks.js';
import { collectLinkTargets, type LinkTarget } from '../checks/link-targets.js';
import { checkSources } from '../checks/source-checks.js';
import { loadIssue } from '../content/load-issue.js';
import type { Config } from '../content/model.js';
import { hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { renderIssueContent, sharingEqualForms, type RenderedIssue } from '../render/render-issue.js';
import { codeVersion, issueDigest, readIssueFolder, RenderCache } from './render-cache.js';

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
}

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
  const dir = join(root, 'bulletins', date);
  const read = digest ?? issueDigest(dir);
  const key = read === undefined ? undefined : cache.keyOf(read);
  const cached = key === undefined ? undefined : cache.get(date, key);
  return (
    cached && {
      date,
      problems: cached.problems,
      rendered: sharingEqualForms(cached.rendered),
      links: cached.links,
      sourceKey: key,
      digest: read,
    }
  );
}

/**
 * Load -> check -> render one issue, its Markdown read once for both the loading and its `digest`;
 * with a cache, stored under the key of that digest when the issue has no errors.
 */
export async function prepareFresh(
  root: string,
  date: string,
  config: Config,
  cache?: RenderCache,
): Promise<PreparedIssue> {
  const dir = join(root, 'bulletins', date);
  const folder = readIssueFolder(dir);
  const loaded = await loadIssue(root, date, config, folder?.markdown);
  const digest = folder ? { digest: folder.digest } : {};
  const problems = [...loaded.problems, ...checkSources(loaded.files)];
  const links = collectLinkTargets(loaded.files, loaded.issue);
  if (!loaded.issue || hasErrors(problems)) return { date, problems, links, ...digest };
  problems.push(...checkIssue(loaded.issue, config));
  const rendered = renderIssueContent(loaded.issue, config);
  const key = folder && cache?.keyOf(folder.digest);
  if (!cache || !key) return { date, problems, rendered, links, ...digest };
  cache.set(date, key, { rendered, problems, links });
  return { date, problems, rendered, links, sourceKey: key, ...digest };
}

/** One issue, from the cache when none of its files changed. */
export async function prepareIssue(
  root: string,
  date: string,
  config: Config,
  cache: RenderCache | undefined,
): Promise<PreparedIssue> {
  return fromCache(root, date, cache) ?? prepareFresh(root, date, config, cache);
}
