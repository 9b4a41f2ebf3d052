import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../content/model.js';
import { siteUrl } from '../render/urls.js';
import type { SiteFiles } from './model.js';
import { awaitedLater, isErrno, MISSING } from '../support/errors.js';

export interface SearchIndexing {
  /** Waits for the pages to be indexed and writes pagefind's bundle into `<siteDir>/pagefind/`. */
  writeTo(siteDir: string): Promise<{ pages: number }>;
}

/**
 * The full-text index, made at build time so search works on any static host: pagefind indexes
 * the issue pages (the only ones marked `data-pagefind-body`) from memory. It runs as its own
 * process, so indexing starts as soon as the pages exist and goes on while the rest of the site
 * is made and written. Pages are sent a few at a time (`SEARCH_LANES`): one at a time leaves it idle
 * between them, and all at once queues every page, JSON-encoded in base64, in our memory (about 100 MB
 * at 520 issues) until the process has read them.
 */
export async function startSearchIndex(
  config: Config,
  files: SiteFiles,
  previousSiteDir?: string,
): Promise<SearchIndexing> {
  const base = new URL(siteUrl(config)).pathname;
  const pages = [...files].filter(
    ([path, content]) => path.startsWith('issues/') && path.endsWith('.html') && typeof content === 'string',
  );
  // Indexing takes seconds; when no indexed page changed since the last build, its bundle is reused.
  const fingerprint = searchFingerprint(config, base, pages as [string, string][]);
  if (previousSiteDir && readFingerprint(previousSiteDir) === fingerprint) {
    return {
      async writeTo(siteDir) {
        await cp(join(previousSiteDir, 'pagefind'), join(siteDir, 'pagefind'), { recursive: true });
        return { pages: pages.length };
      },
    };
  }
  const pagefind = await import('pagefind');
  const { index, errors } = await pagefind.createIndex({ forceLanguage: config.site.locale.split('-')[0] });
  if (!index) throw new Error(`pagefind could not start: ${errors.join('; ')}`);
  const adding = inLanes(pages as [string, string][], ([path, content]) =>
    index.addHTMLFile({ url: `${base}${path.replace(/index\.html$/, '')}`, content }),
  );
  awaitedLater(adding); // reported by writeTo
  return {
    async writeTo(siteDir) {
      try {
        const added = await adding;
        const failed = added.flatMap((a, i) =>
          a.errors.length ? [`${pages[i]![0]}: ${a.errors.join('; ')}`] : [],
        );
        if (failed.length) throw new Error(`pagefind could not index ${failed.join(', ')}`);
        const written = await index.writeFiles({ outputPath: `${siteDir}/pagefind` });
        if (written.errors.length)
          throw new Error(`pagefind could not write its index: ${written.errors.join('; ')}`);
        await writeFile(join(siteDir, 'pagefind', FINGERPRINT_FILE), fingerprint);
        return { pages: pages.length };
      } finally {
        await pagefind.close();
      }
    },
  };
}

export async function writeSearchIndex(
  config: Config,
  files: SiteFiles,
  siteDir: string,
): Promise<{ pages: number }> {
  return (await startSearchIndex(config, files)).writeTo(siteDir);
}

const FINGERPRINT_FILE = 'bulletin-fingerprint.txt';

/** Pages handed to pagefind at once: enough that it never waits for the next. */
const SEARCH_LANES = 8;

/** `send` for every item, at most SEARCH_LANES at a time; results in the items' order. */
async function inLanes<T, R>(items: readonly T[], send: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await send(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(SEARCH_LANES, items.length) }, lane));
  return results;
}

function searchFingerprint(config: Config, base: string, pages: [string, string][]): string {
  const hash = createHash('sha256').update(`${base}\0${config.site.locale}\0`);
  for (const [path, content] of pages) hash.update(`${path}\0`).update(content);
  return hash.digest('hex');
}

function readFingerprint(siteDir: string): string | undefined {
  try {
    return readFileSync(join(siteDir, 'pagefind', FINGERPRINT_FILE), 'utf8');
  } catch (error) {
    // No index built yet (or the site folder is new).
    if (isErrno(error, ...MISSING)) return undefined;
    throw error;
  }
}
