import type { LinkTarget } from '../checks/link-targets.js';
import { linkCacheFile, linksOffline } from '../checks/link-policy.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { say } from './io.js';

/**
 * The network link check of `check`, `send` and `schedule`: every web address once, through the
 * site's cache; nothing with `--offline` or BULLETIN_OFFLINE=1. Says what it did, so a quiet
 * result is never mistaken for a check that did not run.
 */
export async function checkLinksOf(root: string, targets: readonly LinkTarget[], offline: boolean | undefined): Promise<Diagnostic[]> {
  if (offline || linksOffline()) {
    say('Links were not checked over the network (--offline).');
    return [];
  }
  const distinct = new Set(targets.map((t) => t.url)).size;
  if (distinct === 0) return [];
  const { checkLinks } = await import('../checks/link-checker.js');
  const started = performance.now();
  const result = await checkLinks(targets, { cacheFile: linkCacheFile(root) });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  say(`Checked ${result.checked} web address${result.checked === 1 ? '' : 'es'} in ${seconds} s${result.fromCache ? ` (${result.fromCache} from the last check)` : ''}: ${result.problems.length ? `${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}` : 'all answer'}.`);
  return result.problems;
}
