import { join } from 'node:path';
import { checkIssue } from '../checks/issue-checks.js';
import { collectLinkTargets, type LinkTarget } from '../checks/link-targets.js';
import { checkSources } from '../checks/source-checks.js';
import { loadIssue } from '../content/load-issue.js';
import type { Config } from '../content/model.js';
import { hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { renderIssueContent, sharingEqualForms, type RenderedIssue } from '../render/render-issue.js';
import { codeVersion, RenderCache } from './render-cache.js';

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
}

export function renderCacheFor(root: string, config: Config): RenderCache {
  return new RenderCache(root, [codeVersion(), process.cwd(), root, JSON.stringify(config)].join('\0'));
}

/**
 * The cached preparation of an issue whose files are unchanged, and the key it is (or will be) stored
 * under. `digest`: the issue folder's `issueDigest`, when the caller read it already.
 */
export function fromCache(
  root: string,
  date: string,
  cache: RenderCache | undefined,
  digest?: string,
): { key?: string; prepared?: PreparedIssue } {
  const dir = join(root, 'bulletins', date);
  const key = digest === undefined ? cache?.keyOf(dir) : cache?.keyOf(dir, digest);
  if (!cache || !key) return {};
  const cached = cache.get(date, key);
  return {
    key,
    ...(cached
      ? {
          prepared: {
            date,
            problems: cached.problems,
            rendered: sharingEqualForms(cached.rendered),
            links: cached.links,
            sourceKey: key,
          },
        }
      : {}),
  };
}

/** Load -> check -> render one issue, storing the result under `key` when it has no errors. */
export async function prepareFresh(
  root: string,
  date: string,
  config: Config,
  cache?: RenderCache,
  key?: string,
): Promise<PreparedIssue> {
  const loaded = await loadIssue(root, date, config);
  const problems = [...loaded.problems, ...checkSources(loaded.files)];
  const links = collectLinkTargets(loaded.files, loaded.issue);
  if (!loaded.issue || hasErrors(problems)) return { date, problems, links };
  problems.push(...checkIssue(loaded.issue, config));
  const rendered = renderIssueContent(loaded.issue, config);
  if (!cache || !key) return { date, problems, rendered, links };
  cache.set(date, key, { rendered, problems, links });
  return { date, problems, rendered, links, sourceKey: key };
}

/** One issue, from the cache when none of its files changed. */
export async function prepareIssue(
  root: string,
  date: string,
  config: Config,
  cache: RenderCache | undefined,
): Promise<PreparedIssue> {
  const { key, prepared } = fromCache(root, date, cache);
  return prepared ?? prepareFresh(root, date, config, cache, key);
}
