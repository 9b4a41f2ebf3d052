import { join, resolve } from 'node:path';
import { archiveOf } from '../archive/from-rendered.js';
import { buildSite, type SiteReport } from '../archive/build-site.js';
import { IncrementalSite } from '../archive/incremental.js';
import { loadSiteTemplates } from '../archive/site-templates.js';
import { loadConfig } from '../content/config.js';
import { listIssueDates } from '../content/issues-dir.js';
import type { Config } from '../content/model.js';
import { hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { forArchive, type ArchivedIssue } from '../render/rendered-issue.js';
import { templatesFor } from './pipeline.js';
import { prepareIssues } from './prepare-pool.js';
import { prepareIssue } from './prepare.js';
import { renderCacheFor } from './prepared-issue.js';
import type { RenderCache } from './render-cache.js';

export interface SessionUpdate {
  problems: Diagnostic[];
  /** Site files rewritten; empty when the change had errors and the site was left as it was. */
  written: string[];
  removed: string[];
}

/**
 * A long-running archive build (for `bulletin serve --watch` and the authoring preview): the
 * whole site is built once, then each change to an issue folder re-renders that issue and remakes
 * only the pages that depend on it.
 */
export class ArchiveSession {
  private constructor(
    private readonly root: string,
    private readonly config: Config,
    private readonly cache: RenderCache,
    private readonly rendered: Map<string, ArchivedIssue>,
    private readonly site: IncrementalSite,
    readonly report: SiteReport,
  ) {}

  /** Builds the whole archive; fails (with the problems) if any issue has errors. */
  static async open(
    rootDir: string,
    outDir?: string,
  ): Promise<{ session?: ArchiveSession; problems: Diagnostic[] }> {
    const root = resolve(rootDir);
    const { config, path: configPath, problems } = await loadConfig(root);
    if (!config) return { problems };
    const cache = renderCacheFor(root, config);
    const rendered = new Map<string, ArchivedIssue>();
    for (const prepared of await prepareIssues(root, await listIssueDates(root), config, cache)) {
      problems.push(...prepared.problems);
      if (prepared.rendered) rendered.set(prepared.date, forArchive(prepared.rendered));
    }
    if (hasErrors(problems)) return { problems };
    const templatesDir = templatesFor(root, config, configPath);
    const siteDir = join(resolve(outDir ?? join(root, 'dist')), 'site');
    const archive = archiveOf(config, [...rendered.values()]);
    const built = await buildSite(archive, templatesDir, siteDir, { keepFiles: true });
    const site = new IncrementalSite(archive, await loadSiteTemplates(templatesDir), siteDir, built.files);
    return { session: new ArchiveSession(root, config, cache, rendered, site, built.report), problems };
  }

  /** Re-renders the issues of `dates` (changed, added or deleted) and rewrites what depends on them. */
  async changed(dates: readonly string[]): Promise<SessionUpdate> {
    const existing = new Set(await listIssueDates(this.root));
    const problems: Diagnostic[] = [];
    const next = new Map(this.rendered);
    for (const date of dates) {
      if (!existing.has(date)) {
        next.delete(date);
        continue;
      }
      const prepared = await prepareIssue(this.root, date, this.config, this.cache);
      problems.push(...prepared.problems);
      if (prepared.rendered) next.set(date, forArchive(prepared.rendered));
    }
    if (hasErrors(problems)) return { problems, written: [], removed: [] };
    for (const date of dates) {
      const issue = next.get(date);
      if (issue) this.rendered.set(date, issue);
      else this.rendered.delete(date);
    }
    const update = await this.site.update(archiveOf(this.config, [...this.rendered.values()]), dates);
    return { problems, ...update };
  }

  /** Remakes the search index (seconds, so callers run it after the pages are up to date). */
  reindex(): Promise<number> {
    return this.site.reindex();
  }
}
