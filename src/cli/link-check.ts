import type { LinkTarget } from '../checks/link-targets.js';
import { checkSiteLinks, linksOffline } from '../checks/link-policy.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { say } from './io.js';

/**
 * The network link check of `check`, `send` and `schedule`: every web address once, through the
 * site's cache; nothing with `--offline` or BULLETIN_OFFLINE=1. Says what it did, so a quiet
 * result is never mistaken for a check that did not run.
 */
export async function checkLinksOf(
  root: string,
  targets: readonly LinkTarget[],
  offline: boolean | undefined,
): Promise<Diagnostic[]> {
  if (offline || linksOffline()) {
    say(`Links were not checked over the network (${offline ? '--offline' : 'BULLETIN_OFFLINE is set'}).`);
    return [];
  }
  if (targets.length === 0) return [];
  const { loadConfig } = await import('../content/config.js');
  const { config } = await loadConfig(root);
  if (!config) return [];
  const started = performance.now();
  const result = await checkSiteLinks(root, config, targets);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const found = result.problems.length
    ? `${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}`
    : 'all answer';
  const excluded = result.excluded ? `; ${result.excluded} excluded by linkCheck.exclude` : '';
  const notAsked = result.notAsked ? `; ${result.notAsked} not asked (private addresses)` : '';
  const cached = result.fromCache ? ` (${result.fromCache} from the last check)` : '';
  const addresses = `${result.checked} web address${result.checked === 1 ? '' : 'es'}`;
  say(`Checked ${addresses} in ${seconds} s${cached}${excluded}${notAsked}: ${found}.`);
  return result.problems;
}
