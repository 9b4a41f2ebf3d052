import { archiveIssueOf, FEED_LIMIT, withoutHtml } from '../archive/from-rendered.js';
import type { Archive, ArchiveIssue } from '../archive/model.js';
import type { SiteStaging, StagedSite } from '../archive/build-site.js';
import { join } from 'node:path';
import type { Config } from '../content/model.js';
import type { ArchivedIssue } from '../render/rendered-issue.js';
import { awaitedLater } from '../support/errors.js';
import { lowerThisThreadPriority } from '../support/thread-priority.js';
import { threadSettings } from './thread-limits.js';

/**
 * The archive of every issue (dates newest first), staged into `<outDir>/site` as its issues are
 * ready. `yieldToIndexing`: this thread makes emails while workers prepare the issues, and gives way
 * to them and to pagefind once they are all started (see `yieldToIndexing`); not where this thread
 * prepares issues itself, which the build then waits on. The caller says when the workers are
 * started (`workersStarted`).
 */
export function stagedAsReady(
  config: Config,
  newestFirst: readonly string[],
  templatesDir: string,
  outDir: string,
  { yieldToIndexing: yielding = false } = {},
): IssuePagesAsReady {
  const opening = openStaging(config, templatesDir, outDir);
  let workersStarted = () => {};
  const started = new Promise<void>((resolve) => {
    workersStarted = resolve;
  });
  if (yielding) yieldToIndexing(opening, started);
  return new IssuePagesAsReady(config, newestFirst, opening, workersStarted);
}

/**
 * The archive of a build, staged while its issues are still being prepared: each issue page as soon
 * as its issue and both neighbours are ready (the page links to them), newest first, so pagefind
 * indexes the pages while the rest of the issues are prepared. Made after every issue was ready,
 * the pages and pagefind's indexing of them (about one core's worth, for seconds) came last, with
 * a core left idle beside them.
 *
 * The pages are added in the order of the archive (`newestFirst`), whatever order the issues come
 * in: the index pagefind writes keeps the order it was handed the pages in. A page waits for an
 * issue that has errors (no rendering) for ever; the archive is then not made at all. A failure to
 * stage (the site's templates, the disk) is kept and given by `staged`, once the emails are made,
 * as the archive's other failures are.
 */
export class IssuePagesAsReady {
  private readonly ready = new Map<string, ArchivedIssue>();
  private readonly shown = new Map<string, ArchiveIssue>();
  private next = 0;
  private failure: Error | undefined;
  private adding: Promise<void> = Promise.resolve();

  constructor(
    private readonly config: Config,
    private readonly newestFirst: readonly string[],
    private readonly staging: Promise<SiteStaging>,
    /** Told once the prepare workers are started: see `stagedAsReady`. */
    readonly workersStarted: () => void = () => {},
  ) {
    staging.catch((error: unknown) => this.fail(error));
  }

  /** An issue is ready: the pages it completes are added, in order, before this resolves. */
  async add(issue: ArchivedIssue): Promise<void> {
    this.ready.set(issue.issue.date, issue);
    this.adding = this.adding.then(() => this.addReadyPages());
    await this.adding;
  }

  /**
   * Every page added (and the rest of the site staged), once every issue is ready: or why not. Call it
   * once, after the last `add`.
   */
  async staged(): Promise<StagedSite | Error> {
    await this.adding;
    if (!this.failure && this.next < this.newestFirst.length)
      this.fail(new Error(`issue ${this.newestFirst[this.next]} has no page to stage`));
    if (this.failure) {
      await this.abandon();
      return this.failure;
    }
    const issues = this.newestFirst.map((date) => this.issue(date)!);
    const archive: Archive = { config: this.config, issues };
    try {
      return await (await this.staging).stage(archive);
    } catch (error) {
      return asError(error);
    }
  }

  /** Drops what was staged, the search index's process with it (a build with errors makes no archive). */
  async abandon(): Promise<void> {
    await this.adding;
    const staging = await this.staging.catch(() => undefined); // its failure was kept: nothing to drop
    await staging?.abandon();
  }

  private async addReadyPages(): Promise<void> {
    const dates = this.newestFirst;
    while (!this.failure && this.next < dates.length) {
      const [newer, issue, older] = [dates[this.next - 1], dates[this.next]!, dates[this.next + 1]];
      const neighbours = [newer, older].filter((date): date is string => date !== undefined);
      if (!this.ready.has(issue) || neighbours.some((date) => !this.ready.has(date))) return;
      try {
        const staging = await this.staging;
        const shown = (date?: string) => (date === undefined ? undefined : this.issue(date));
        await staging.addIssuePage(shown(issue)!, shown(older), shown(newer));
      } catch (error) {
        this.fail(error);
        return;
      }
      // Past the feeds' newest, the rest of the archive reads none of its HTML (`withoutHtml`).
      if (this.next >= FEED_LIMIT) this.keepWithoutHtml(issue);
      this.next++;
    }
  }

  /** The issue from now on without its HTML, as the archive shows it too (its next page links to it). */
  private keepWithoutHtml(date: string): void {
    const bare = withoutHtml(this.ready.get(date)!);
    this.ready.set(date, bare);
    this.shown.set(date, archiveIssueOf(bare));
  }

  /** The issue as the archive shows it, made once. */
  private issue(date: string): ArchiveIssue | undefined {
    let shown = this.shown.get(date);
    if (!shown) {
      const ready = this.ready.get(date);
      if (!ready) return undefined;
      shown = archiveIssueOf(ready);
      this.shown.set(date, shown);
    }
    return shown;
  }

  private fail(error: unknown): void {
    this.failure ??= asError(error);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Once pagefind's process and the prepare workers run (started from this thread afterwards, they
 * would inherit its priority), this thread lowers its own (`ThreadSettings.stagesNice`): its emails
 * are wanted only at the end, while the build waits on the issues being prepared and on pagefind's
 * indexing. Only where pagefind starts with the staging (a first build of the index): a rebuild
 * starts it after every page is made, from this thread. What this thread starts later runs lowered
 * too: sharp's threads for the archive's images, at the end of the run.
 */
function yieldToIndexing(opening: Promise<SiteStaging>, workersStarted: Promise<void>): void {
  const lowered = opening.then(async ({ searchStarted }) => {
    const [started] = await Promise.all([searchStarted, workersStarted]);
    if (started) lowerThisThreadPriority(threadSettings().stagesNice);
  });
  // A staging that failed is reported by IssuePagesAsReady; a thread that cannot be lowered runs as it was.
  awaitedLater(lowered);
}

/** The archive's staging, opened before its issues are ready (see `IssuePagesAsReady`). */
async function openStaging(config: Config, templatesDir: string, outDir: string): Promise<SiteStaging> {
  const { openSiteStaging } = await import('../archive/build-site.js');
  return openSiteStaging(config, templatesDir, join(outDir, 'site'));
}
