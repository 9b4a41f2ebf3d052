import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFilesAtomically } from '../support/write-atomic.js';
import { generateSite, type Scope } from './build-site.js';
import type { Archive, ArchiveIssue, SiteFiles } from './model.js';
import { writeSearchIndex } from './search.js';
import type { SiteTemplates } from './site-templates.js';
import { sitemapFile } from './sitemap.js';
import { tagsOf } from './tags.js';

/**
 * A built site kept in memory, so a change to one issue remakes only what depends on it: that
 * issue's page, calendar and images, its neighbours' pages (their previous/next links), the tag
 * pages it appears on, the index, the feeds and the sitemap. Only files whose bytes changed are
 * written, each atomically. The search index is remade separately (`reindex`): pagefind has no
 * incremental mode, and re-indexing every page costs seconds, not milliseconds.
 */
export class IncrementalSite {
  constructor(
    private archive: Archive,
    private readonly templates: SiteTemplates,
    private readonly siteDir: string,
    private readonly files: SiteFiles,
  ) {}

  /** Applies a new archive in which the issues `changed` were added, edited or removed. */
  async update(next: Archive, changed: readonly string[]): Promise<{ written: string[]; removed: string[] }> {
    const scope = scopeOf(this.archive, next, changed);
    const fresh = await generateSite(next, this.templates, scope);
    const removed = this.stalePaths(scope, fresh);
    for (const path of removed) this.files.delete(path);
    const written: { path: string; content: string | Uint8Array }[] = [];
    for (const [path, content] of fresh) {
      if (!sameContent(this.files.get(path), content)) written.push({ path, content });
      this.files.set(path, content);
    }
    const sitemap = sitemapFile(next.config, this.files.keys());
    if (this.files.get('sitemap.xml') !== sitemap) {
      this.files.set('sitemap.xml', sitemap);
      written.push({ path: 'sitemap.xml', content: sitemap });
    }
    await writeFilesAtomically(
      written.map((f) => ({ path: join(this.siteDir, f.path), content: f.content })),
    );
    await Promise.all(removed.map((path) => rm(join(this.siteDir, path), { force: true })));
    this.archive = next;
    return { written: written.map((f) => f.path), removed };
  }

  /** Remakes the full-text index from the pages in memory. */
  async reindex(): Promise<number> {
    return (await writeSearchIndex(this.archive.config, this.files, this.siteDir)).pages;
  }

  /**
   * Files the scope owned that the new build no longer makes: a deleted issue's folder, a
   * calendar whose meetings went, an image no longer referenced, a tag page whose last item left.
   */
  private stalePaths(scope: Scope, fresh: SiteFiles): string[] {
    const owned = (path: string) =>
      [...scope.dates].some((date) => path.startsWith(`issues/${date}/`)) ||
      [...scope.tags].some((tag) => path === `${tag}/index.html`);
    return [...this.files.keys()].filter((path) => owned(path) && !fresh.has(path));
  }
}

function scopeOf(previous: Archive, next: Archive, changed: readonly string[]): Scope {
  const dates = new Set<string>();
  const tags = new Set<string>();
  for (const archive of [previous, next]) {
    // Newest first: an issue's neighbours are the entries on either side of it.
    archive.issues.forEach((issue, i) => {
      if (!changed.includes(issue.date)) return;
      for (const neighbour of [archive.issues[i - 1], issue, archive.issues[i + 1]])
        if (neighbour) dates.add(neighbour.date);
      for (const tag of tagKeys(issue)) tags.add(tag);
    });
  }
  for (const date of changed) dates.add(date);
  return { dates, tags };
}

function tagKeys(issue: ArchiveIssue): string[] {
  return issue.rendered.items.flatMap(({ item }) => [
    ...tagsOf(item, 'programmes').map((id) => `programmes/${id}`),
    ...tagsOf(item, 'places').map((id) => `places/${id}`),
  ]);
}

function sameContent(a: string | Uint8Array | undefined, b: string | Uint8Array): boolean {
  if (a === undefined) return false;
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
