import { join, relative } from 'node:path';
import type { SiteReport, StagedSite } from '../archive/build-site.js';
import { listIssueDates } from '../content/issues-dir.js';
import type { Config } from '../content/model.js';
import { hasErrors, sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import { loadMjml } from '../render/email/mjml-loader.js';
import { forArchive } from '../render/rendered-issue.js';
import { emailStage, type IssueReport } from './email-stage.js';
import { stagedAsReady } from './issue-pages.js';
import { preparedAsReady } from './prepare-pool.js';
import { renderCacheFor, type PreparedIssue } from './prepared-issue.js';
import type { FolderStamp } from './issue-folder.js';
import { WritesInFlight } from '../support/write-atomic.js';
import { emailCacheFor } from './email-cache.js';
import { nextTurn } from '../support/next-turn.js';
import type { FileStamp } from '../support/file-stamp.js';

export type { IssueReport, OutputFile } from './email-stage.js';

export interface PipelineOptions {
  /** The site folder: bulletin.config.*, bulletins/, templates/. */
  root: string;
  /** The issues whose email is built (or checked). */
  dates: readonly string[];
  /** Write dist/email/DATE/email.{html,txt}; false for `check`. */
  write: boolean;
  /** With `write`: also build the web archive of every issue into dist/site/. */
  site?: boolean;
  outDir?: string;
  /** With `write`: warnings also keep an issue from being written. */
  strict?: boolean;
  /** Reuse renderings of unchanged issues from `.bulletin/cache/` (default: true). */
  cache?: boolean;
  /**
   * Keep each issue's compiled email in its report, for a caller that sends or shows it (the
   * preview, `send`). Off by default: a build or check of hundreds of issues would hold every one
   * of them until it ends (about 60 KB an issue, a tenth of a 520-issue build's peak memory).
   */
  keepEmails?: boolean;
}

export interface PipelineReport {
  configProblems: Diagnostic[];
  issues: IssueReport[];
  /** The archive, when it was asked for and every issue was free of errors. */
  site?: SiteReport;
  /** Why the archive was not built, when it was asked for. */
  siteSkipped?: string;
}

/** What `runStages` is given: plain data, so it can be sent to a thread. */
export interface StagesInput {
  options: PipelineOptions;
  root: string;
  outDir: string;
  config: Config;
  configProblems: Diagnostic[];
  templatesDir: string;
  /** Each issue folder's digest, when the build memo read them (render-cache.ts, `issueDigest`). */
  issueDigests?: Record<string, string>;
}

/** What the stages did: their report, and what the build memo keys a build on (build-memo.ts). */
export interface StagesResult {
  report: PipelineReport;
  /** Each issue folder's `issueDigest`, of the bytes the issue was prepared from (or taken from the cache by). */
  issueDigests: Record<string, string>;
  /** The stamp of each issue folder read here for its digest, as it was read (issue-folder.ts). */
  issueStamps: Record<string, FolderStamp>;
  /**
   * Each file written (or found as it would have been written), by its path relative to `outDir`,
   * stamped once it was: the emails' as each is written, the archive's as it is staged. The memo
   * remembers a build by them (statting them all after the build was ~0.1 s at its end).
   */
  outputs: Record<string, FileStamp>;
}

/**
 * The stages, in order: load -> check -> render each issue once (or take it from the cache); then its
 * email (compile -> check -> write) for the issues asked for, and the archive of all of them from
 * the same rendering.
 */
export async function runStages(input: StagesInput): Promise<StagesResult> {
  const preparedFrom: Record<string, string> = {};
  const issueStamps: Record<string, FolderStamp> = {};
  const stamps = new Map<string, FileStamp>();
  const report = await stagesReport(input, stamps, (prepared) => {
    if (prepared.digest !== undefined) preparedFrom[prepared.date] = prepared.digest;
    if (prepared.stamp !== undefined) issueStamps[prepared.date] = prepared.stamp;
  });
  const outputs: Record<string, FileStamp> = {};
  for (const [path, stamp] of stamps) outputs[relative(input.outDir, path)] = stamp;
  return { report, issueDigests: preparedFrom, issueStamps, outputs };
}

async function stagesReport(
  input: StagesInput,
  stamps: Map<string, FileStamp>,
  onPrepared: (prepared: PreparedIssue) => void,
): Promise<PipelineReport> {
  const { options, root, outDir, config, configProblems, templatesDir, issueDigests } = input;
  const withSite = Boolean(options.write && options.site);
  const emailDates = new Set(options.dates);
  const dates = [...new Set([...options.dates, ...(withSite ? await listIssueDates(root) : [])])].sort();

  const cache = options.cache === false ? undefined : renderCacheFor(root, config);
  const emailCache = options.cache === false ? undefined : emailCacheFor(root, config, templatesDir);
  const reports = new Map<string, IssueReport>();
  // Each email's files are written while the next email is made.
  const writes = new WritesInFlight();
  const broken = (problems: Diagnostic[]) => hasErrors(problems) || (options.strict && problems.length > 0);
  const take = async (prepared: PreparedIssue) => {
    if (!emailDates.has(prepared.date)) {
      if (broken(prepared.problems))
        reports.set(prepared.date, {
          date: prepared.date,
          emailChecked: false,
          problems: sortDiagnostics(prepared.problems),
        });
      return;
    }
    reports.set(prepared.date, {
      ...(await emailStage(
        prepared,
        config,
        templatesDir,
        outDir,
        options,
        { inFlight: writes, stamps },
        emailCache,
      )),
      // A build checks no link: 15,000 of them held to the end of a build of 520 issues.
      ...(options.write ? {} : { links: prepared.links }),
    });
  };
  const issues = () => dates.flatMap((date) => reports.get(date) ?? []);

  // Without the archive, each issue's email is made as soon as the issue is prepared, while worker
  // threads prepare others. With it, the emails wait (below): once every issue is prepared, the
  // archive is made and staged before the emails still to make, which are then made while pagefind
  // (a process of its own) takes the last pages and writes its index.
  const waiting: PreparedIssue[] = [];
  // The archive's issue pages are staged as their issues are ready (issue-pages.ts), newest first as
  // the archive lists them, so the issues are prepared in that order.
  const newestFirst = withSite ? [...dates].reverse() : undefined;
  // Only where few issues have an email to make here (`build`: the latest one, and the archive).
  const helpPreparing = emailDates.size * 2 < dates.length;
  // With the archive, each email waits for the pages. Made at once, emails held back the pages
  // pagefind was waiting for. A build of few emails (`build`: the latest one) makes them last, on the
  // core pagefind's index leaves idle (after the last page it builds and writes the index on one
  // core, for over a second at 520 issues): a cold `build` of 520 issues was 2.3 % faster (median of
  // 10 alternating pairs, 9 of them faster). Where most issues have an email (`build --all`), one is
  // also made whenever this thread would wait for the workers (`idleWork`): made as each issue came,
  // two fifths of the pages were still to make when the last issue was prepared, and pagefind had
  // them all ~0.35 s later. A cold `build --all` of 520 issues took 5.21-5.39 s against 5.25-5.76 s
  // (8 alternating pairs, 7 of them faster; medians 5.35 and 5.49 s), with the same own peak memory
  // (255-272 against 261-292 MB).
  const emailWhenIdle = async () => {
    const next = waiting.shift();
    if (next) await take(next);
    return next !== undefined;
  };
  const pages =
    newestFirst &&
    stagedAsReady(config, newestFirst, templatesDir, outDir, { yieldToIndexing: !helpPreparing });
  let allPrepared = false;
  const onAllPrepared = withSite ? () => (allPrepared = true) : undefined;
  try {
    for await (const prepared of preparedAsReady(root, newestFirst ?? dates, config, cache, {
      onAllPrepared,
      issueDigests,
      helpPreparing,
      onWorkersStarted: () => pages?.workersStarted(),
      ...(withSite && !helpPreparing ? { idleWork: emailWhenIdle } : {}),
      // The emails' layout engine, loaded while the first issues are prepared.
      ...(emailDates.size > 0 ? { whileWaiting: loadMjml } : {}),
    })) {
      onPrepared(prepared);
      // Kept for the archive only, and without the email's forms (the issue's own email takes `prepared`):
      // a check of every issue held every rendering to the end, and a build every email's HTML too.
      if (pages && prepared.rendered) await pages.add(forArchive(prepared.rendered));
      if (allPrepared || (withSite && emailDates.has(prepared.date))) waiting.push(prepared);
      else await take(prepared);
    }
  } catch (error) {
    await writes.drain();
    await pages?.abandon().catch(() => undefined); // the error to report is the one that stopped the run
    throw error;
  }
  if (!withSite) {
    await writes.settle();
    return { configProblems, issues: issues() };
  }
  let staging: StagedSite | Error | undefined;
  const dropStaged = async () => {
    if (staging && !(staging instanceof Error)) await staging.abandon();
  };
  try {
    // An issue with errors keeps the archive from being rebuilt: then it is not made at all.
    if ([...reports.values(), ...waiting].some((issue) => broken(issue.problems))) await pages!.abandon();
    else staging = await pages!.staged();
    for (const issue of waiting) {
      // An email awaits only promises: without a turn of the event loop between them, pagefind's
      // answers wait for the last one, and it is sent no more pages (nor told to write its index).
      await nextTurn();
      await take(issue);
    }
    await writes.settle();
  } catch (error) {
    await writes.drain();
    await dropStaged();
    throw error;
  }
  const report: PipelineReport = { configProblems, issues: issues() };
  // With --strict a warning stops an issue's email, so it stops the archive too.
  const brokenDates = report.issues.filter((issue) => broken(issue.problems)).map((issue) => issue.date);
  // No staging means an issue had errors before its email: it is among them.
  if (brokenDates.length > 0 || !staging) {
    await dropStaged();
    return {
      ...report,
      siteSkipped: `the archive was not rebuilt because ${brokenDates.join(', ')} ${brokenDates.length === 1 ? 'has' : 'have'} ${options.strict ? 'problems (--strict)' : 'errors'}; the previous dist/site is unchanged`,
    };
  }
  try {
    if (staging instanceof Error) throw staging;
    const site = await staging.commit();
    for (const [path, stamp] of site.stamps) stamps.set(join(site.report.dir, path), stamp);
    return { ...report, site: site.report };
  } catch (error) {
    return {
      ...report,
      siteSkipped: `the archive was not rebuilt: ${(error as Error).message}; the previous dist/site is unchanged`,
    };
  }
}
