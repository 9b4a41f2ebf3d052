import type { Archive, ArchiveIssue } from '../../src/archive/model.js';
import { loadConfig } from '../../src/content/config.js';
import { listIssueDates } from '../../src/content/issues-dir.js';
import { loadIssue } from '../../src/content/load-issue.js';
import { loadRendererFor, renderIssueContent } from '../../src/render/render-issue.js';
import { forArchive, type RenderedIssue } from '../../src/render/rendered-issue.js';
import { repoRoot } from './cli.js';

/** What the archive knows of one rendered issue. */
export function archiveIssue(rendered: RenderedIssue): ArchiveIssue {
  const { issue } = rendered;
  return {
    date: issue.date,
    title: issue.title,
    summary: issue.summary,
    ...(issue.author ? { author: issue.author } : {}),
    url: rendered.url,
    html: [rendered.lead.html, ...rendered.items.map((i) => i.body.html)].join('\n'),
    meetings: rendered.items.flatMap((i) => i.item.meetings),
    rendered: forArchive(rendered),
  };
}

/** The archive of a site folder (default: the sample bulletins), newest first; throws on any error. */
export async function archiveFromSite(root = repoRoot): Promise<Archive> {
  const { config, problems } = await loadConfig(root);
  if (!config) throw new Error(`config: ${JSON.stringify(problems)}`);
  const issues: ArchiveIssue[] = [];
  for (const date of await listIssueDates(root)) {
    const loaded = await loadIssue(root, date, config);
    if (!loaded.issue) throw new Error(`${date}: ${loaded.problems.map((p) => p.message).join('; ')}`);
    await loadRendererFor(loaded.issue);
    issues.push(archiveIssue(renderIssueContent(loaded.issue, config)));
  }
  return { config, issues: issues.reverse() };
}
