import { createHash, type Hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../content/model.js';
import { siteUrl } from '../render/urls.js';
import type { SiteFiles } from './model.js';
import { watchedService, withHugePages } from './pagefind-process.js';
import { awaitedLater, isErrno, MISSING } from '../support/errors.js';
import { nextTurn } from '../support/next-turn.js';

export interface SearchIndexing {
  /** Waits for the pages to be indexed and writes pagefind's bundle into `<siteDir>/pagefind/`. */
  writeTo(siteDir: string): Promise<{ pages: number }>;
}

/**
 * The full-text index, made at build time so search works on any static host: pagefind indexes
 * the issue pages (the only ones marked `data-pagefind-body`) from memory. It runs as its own
 * process, so it indexes each page while the next are made, and writes its index while the rest of
 * the site is made. Pages are sent a few dozen at a time (`SEARCH_LANES`): one at a time leaves it
 * idle between them, and all at once queues every page, JSON-encoded in base64, in our memory (about
 * 100 MB at 520 issues) until it has read them.
 */
export interface SearchFeed {
  /** One issue page, as soon as it is made; yields so that pagefind is handed pages meanwhile. */
  add(path: string, html: string): Promise<void>;
  /** Every issue page is in. */
  finish(): SearchIndexing;
  /** The build failed before finish(): stop pagefind. */
  abandon(): Promise<void>;
  /**
   * True once pagefind's process is started for the pages to come (a first build starts it at once);
   * false when it is started at `finish`, if at all (see below).
   */
  started: Promise<boolean>;
}

/**
 * Where a previous index exists, whether it can be reused is known only once every page is made, so
 * the pages are gathered first; otherwise (a first build) pagefind starts with the first page.
 */
export function openSearchFeed(config: Config, previousSiteDir?: string): SearchFeed {
  if (previousSiteDir && readFingerprint(previousSiteDir) !== undefined) {
    const pages: SiteFiles = new Map();
    let started: Promise<SearchIndexing> | undefined;
    return {
      async add(path, html) {
        pages.set(path, html);
      },
      finish() {
        const starting = startSearchIndex(config, pages, previousSiteDir);
        awaitedLater(starting); // reported by writeTo
        started = starting;
        return {
          writeTo: async (siteDir) => (await starting).writeTo(siteDir),
        };
      },
      started: Promise.resolve(false),
      async abandon() {
        // A changed site started pagefind at finish(): stop it rather than let it index for nothing.
        const indexing = await started?.catch(() => undefined); // its failure is writeTo's to report
        if (indexing instanceof PagefindFeeder) await indexing.close();
      },
    };
  }
  const feeder = new PagefindFeeder(config);
  return {
    async add(path, html) {
      feeder.add(path, html);
      await nextTurn();
    },
    finish: () => feeder,
    abandon: async () => {
      await feeder.close();
    },
    started: feeder.started(),
  };
}

/** The index of the issue pages in `files`, reusing the bundle in `previousSiteDir` if they are unchanged. */
export async function startSearchIndex(
  config: Config,
  files: SiteFiles,
  previousSiteDir?: string,
): Promise<SearchIndexing> {
  const pages = [...files].filter(
    ([path, content]) => path.startsWith('issues/') && path.endsWith('.html') && typeof content === 'string',
  ) as [string, string][];
  // Indexing takes seconds; when no indexed page changed since the last build, its bundle is reused.
  if (previousSiteDir) {
    const fingerprint = fingerprintHash(config);
    for (const [path, content] of pages) fingerprint.update(`${path}\0`).update(content);
    if (readFingerprint(previousSiteDir) === fingerprint.digest('hex'))
      return {
        async writeTo(siteDir) {
          await cp(join(previousSiteDir, 'pagefind'), join(siteDir, 'pagefind'), { recursive: true });
          return { pages: pages.length };
        },
      };
  }
  const feeder = new PagefindFeeder(config);
  for (const [path, content] of pages) feeder.add(path, content);
  return feeder;
}

/** Pages handed to pagefind at once: enough that it has work while the next pages are made. */
const SEARCH_LANES = 32;

/** One pagefind index: takes pages, keeps SEARCH_LANES of them with pagefind, writes the bundle. */
export class PagefindFeeder implements SearchIndexing {
  private readonly base: string;
  private readonly fingerprint: Hash;
  private readonly opening: Promise<OpenedIndex>;
  private readonly waiting: [path: string, html: string][] = [];
  private readonly adding: Promise<string[]>[] = [];
  private readonly paths: string[] = [];
  private sending = 0;
  private nextWaiting = 0;

  /** `open`: pagefind's own by default; a test hands in an index whose answers it controls. */
  constructor(config: Config, open: (config: Config) => Promise<OpenedIndex> = openPagefind) {
    this.base = new URL(siteUrl(config)).pathname;
    this.fingerprint = fingerprintHash(config);
    this.opening = open(config);
    awaitedLater(this.opening); // reported by writeTo
  }

  /** True once pagefind's process runs; false if it could not be started (writeTo says why). */
  async started(): Promise<boolean> {
    return this.opening.then(
      () => true,
      () => false, // its failure is writeTo's to report
    );
  }

  add(path: string, html: string): void {
    this.fingerprint.update(`${path}\0`).update(html);
    this.paths.push(path);
    this.waiting.push([path, html]);
    this.pump();
  }

  private pump(): void {
    while (this.sending < SEARCH_LANES && this.nextWaiting < this.waiting.length) {
      const [path, content] = this.waiting[this.nextWaiting]!;
      // Sent: pagefind has it now, and the queue need not hold it.
      this.waiting[this.nextWaiting++] = ['', ''];
      this.sending++;
      const added = this.opening
        .then(({ index, ended }) => {
          // Sent to a process that stopped, it would start pagefind's service again, for nothing.
          if (ended?.()) throw new Error(`pagefind stopped before ${path}`);
          return index.addHTMLFile({ url: `${this.base}${path.replace(/index\.html$/, '')}`, content });
        })
        .then((result) => result.errors.map((error) => `${path}: ${error}`))
        .finally(() => {
          this.sending--;
          this.pump();
        });
      awaitedLater(added); // reported by writeTo
      this.adding.push(added);
    }
  }

  /**
   * Settles once pagefind has indexed every page, and has only its bundle left to write (which is
   * mostly one thread of its own). Never rejects: a failure is `writeTo`'s to report.
   */
  async taken(): Promise<void> {
    // In the order sent: each answer sends the next page waiting (`pump`, in the add's `finally`), so
    // by the time the pages before one have answered, it has been sent. (Racing the last lanes spun
    // without yielding once one of them had answered before an older one.)
    for (let page = 0; page < this.paths.length; page++) {
      await this.adding[page]!.catch(() => undefined); // its failure is writeTo's to report
    }
  }

  async writeTo(siteDir: string): Promise<{ pages: number }> {
    try {
      return await this.written(siteDir);
    } catch (error) {
      const crashed = await this.close();
      throw crashed ? pagefindEnded(crashed, error) : error;
    } finally {
      await this.close();
    }
  }

  private async written(siteDir: string): Promise<{ pages: number }> {
    const { index, ended } = await this.opening;
    await this.taken();
    const failed = (await Promise.all(this.adding)).flat();
    if (failed.length) throw new Error(`pagefind could not index ${failed.join(', ')}`);
    // Asked of a process that stopped, it would start pagefind's service again, for nothing.
    if (ended?.()) throw new Error('pagefind stopped before it wrote the index');
    const written = await index.writeFiles({ outputPath: `${siteDir}/pagefind` });
    if (written.errors.length)
      throw new Error(`pagefind could not write its index: ${written.errors.join('; ')}`);
    await writeFile(join(siteDir, 'pagefind', FINGERPRINT_FILE), this.fingerprint.digest('hex'));
    return { pages: this.paths.length };
  }

  /** Stops pagefind's process: how it had ended, if it crashed first. */
  async close(): Promise<string | undefined> {
    const opened = await this.opening.catch(() => undefined); // never opened: nothing runs
    return opened?.close();
  }
}

type PagefindIndex = NonNullable<Awaited<ReturnType<typeof import('pagefind')['createIndex']>>['index']>;

/** An index being made, and how to stop its process (which says how it had ended, if it crashed). */
export interface OpenedIndex {
  close(): Promise<string | undefined>;
  index: Pick<PagefindIndex, 'addHTMLFile' | 'writeFiles'>;
  /** How pagefind's process ended, once it crashed (absent: not watched). */
  ended?(): string | undefined;
}

async function openPagefind(config: Config): Promise<OpenedIndex> {
  const pagefind = await import('pagefind');
  const service = watchedService(
    () => withHugePages(() => pagefind.createIndex({ forceLanguage: config.site.locale.split('-')[0] })),
    pagefind.close,
  );
  try {
    const { index, errors } = await service.started;
    if (!index) throw new Error(`pagefind could not start: ${errors.join('; ')}`);
    return { index, close: service.close, ended: service.ended };
  } catch (error) {
    // Closed, so that the next index in this thread starts (and watches) a process of its own.
    const crashed = await service.close();
    throw crashed ? pagefindEnded(crashed, error) : error;
  }
}

/** What to tell of a pagefind process that stopped before it wrote the index. */
function pagefindEnded(ended: string, cause: unknown): Error {
  return new Error(
    `pagefind, which makes the search index, stopped (${ended}) before it wrote the index` +
      (ended === 'killed by SIGKILL'
        ? '; if the machine ran short of memory, free some and build again'
        : ''),
    { cause },
  );
}

export async function writeSearchIndex(
  config: Config,
  files: SiteFiles,
  siteDir: string,
): Promise<{ pages: number }> {
  return (await startSearchIndex(config, files)).writeTo(siteDir);
}

const FINGERPRINT_FILE = 'bulletin-fingerprint.txt';

/** The fingerprint of an index, before its pages: the URL base and language shape it too. */
function fingerprintHash(config: Config): Hash {
  return createHash('sha256').update(`${new URL(siteUrl(config)).pathname}\0${config.site.locale}\0`);
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
