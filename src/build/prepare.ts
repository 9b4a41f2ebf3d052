import { join } from 'node:path';
import { checkIssue } from '../checks/issue-checks.js';
import { collectLinkTargets } from '../checks/link-targets.js';
import { checkSources } from '../checks/source-checks.js';
import { loadIssue } from '../content/load-issue.js';
import type { Config } from '../content/model.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import { loadRendererFor, renderIssueContent } from '../render/render-issue.js';
import { fromCache, type PreparedIssue } from './prepared-issue.js';
import { readIssueFolder } from './issue-folder.js';
import type { RenderCache } from './render-cache.js';

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
  const digest = folder ? { digest: folder.digest, stamp: folder.stamp } : {};
  const problems = [...loaded.problems, ...checkSources(loaded.files)];
  const links = collectLinkTargets(loaded.files, loaded.issue);
  if (!loaded.issue || hasErrors(problems)) return { date, problems, links, ...digest };
  problems.push(...checkIssue(loaded.issue, config));
  await loadRendererFor(loaded.issue);
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
