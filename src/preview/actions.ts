import { checkLinks } from '../checks/link-checker.js';
import { linkCacheFile } from '../checks/link-policy.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import type { PreviewBuild } from './build-preview.js';

/**
 * "Send test": the issue built as `bulletin send` builds it (the site's real addresses, not the
 * preview's), to one address through the configured transport, as subscribers of `list` get it.
 */
export function sendTestFor(root: string, date: string) {
  return async (to: string, list: string): Promise<{ ok: true; address: string; response: string } | { ok: false; reason: string }> => {
    const { runPipeline } = await import('../build/pipeline.js');
    const report = await runPipeline({ root, dates: [date], write: false });
    const issue = report.issues[0];
    const problems = [...report.configProblems, ...(issue?.problems ?? [])];
    if (!issue?.email || hasErrors(problems)) return { ok: false, reason: 'The issue has errors; fix them first (they are listed on the left).' };
    const { loadConfig } = await import('../content/config.js');
    const config = (await loadConfig(root)).config!;
    if (!config.lists.some((l) => l.id === list)) return { ok: false, reason: `There is no list "${list}".` };
    const { issueTransport } = await import('../dispatch/transports.js');
    const { loadSecrets } = await import('../dispatch/secret.js');
    const { sendTestMessage } = await import('../dispatch/test-message.js');
    const transport = issueTransport(root, config, date, list, 1);
    try {
      const sent = await sendTestMessage(transport, issue.email, config, list, to, loadSecrets(root).current);
      return sent.ok ? { ...sent, response: `${sent.response} (${transport.name})` } : sent;
    } finally {
      await transport.close();
    }
  };
}

/** The network link check after each build, through the site's link cache: only new addresses are fetched. */
export function linkChecksFor(root: string) {
  return (build: PreviewBuild) => checkLinks(build.links, { cacheFile: linkCacheFile(root) });
}
