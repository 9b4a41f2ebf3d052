import { join } from 'node:path';
import type { Config } from '../content/model.js';
import type { LinkCheckResult } from './link-checker.js';
import type { LinkTarget } from './link-targets.js';
import { parseUrl } from '../support/errors.js';

/** BULLETIN_OFFLINE=1 turns the network link check off for every command (CI, a train, the test suite). */
export function linksOffline(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.BULLETIN_OFFLINE === '1' || env.BULLETIN_OFFLINE === 'true';
}

/** Where a site keeps what its links answered, so a re-check within the day asks no one again. */
export function linkCacheFile(root: string): string {
  return join(root, '.bulletin', 'cache', 'links.json');
}

/**
 * Whether `linkCheck.exclude` keeps an address from being asked for: an entry is a host, `*.` and
 * a domain for every host under it, or an address that the link starts with.
 */
export function isExcluded(url: string, exclude: readonly string[]): boolean {
  const host = parseUrl(url)?.hostname.toLowerCase();
  if (host === undefined) return false;
  return exclude.some((entry) => {
    const rule = entry.trim().toLowerCase();
    if (/^https?:\/\//.test(rule)) return url.toLowerCase().startsWith(rule);
    if (rule.startsWith('*.')) return host === rule.slice(2) || host.endsWith(rule.slice(1));
    return host === rule;
  });
}

/** The site's link check: its exclusions, limits and cache applied to `targets`. */
export async function checkSiteLinks(
  root: string,
  config: Config,
  targets: readonly LinkTarget[],
  signal?: AbortSignal,
): Promise<LinkCheckResult & { excluded: number }> {
  const asked = targets.filter((target) => !isExcluded(target.url, config.linkCheck.exclude));
  // Loaded here: its HTTP client takes longer to load than an offline `check` of an issue takes to run.
  const { checkLinks } = await import('./link-checker.js');
  const result = await checkLinks(asked, {
    cacheFile: linkCacheFile(root),
    timeoutMs: config.linkCheck.timeoutSeconds * 1000,
    concurrency: config.linkCheck.concurrency,
    perHost: config.linkCheck.perHost,
    allowPrivateAddresses: config.linkCheck.allowPrivateAddresses,
    ...(signal ? { signal } : {}),
  });
  return {
    ...result,
    excluded: new Set(targets.map((t) => t.url)).size - new Set(asked.map((t) => t.url)).size,
  };
}
