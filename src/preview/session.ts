import { randomBytes } from 'node:crypto';
import { join, relative } from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { problem, startOf } from '../diagnostics/problem.js';
import { sourceText } from '../diagnostics/source-text.js';
import { GMAIL_CLIP_BYTES } from '../checks/email-checks.js';
import { loadSiteTemplates } from '../archive/site-templates.js';
import { loadEmailTemplates } from '../render/email/templates.js';
import { rememberSplitsByText } from '../content/front-matter-memo.js';
import { rememberBodiesByText } from '../render/markdown.js';
import type { ReleaseStatus } from './actions.js';
import { buildPreview, type PreviewBuild } from './build-preview.js';
import { rememberedConfig } from './config-memo.js';

/**
 * How long after a build its approval is judged: after the page has fetched what changed, and once per burst
 * of saves.
 */
const RELEASE_DELAY_MS = 400;

/** Files and Markdown trees kept by text: an issue's files a few times over. */
const REMEMBERED_FILES = 64;

/**
 * What the studio page is sent after every build: small, plain, and enough to draw everything but the frames.
 */
export interface PreviewState {
  /**
   * This preview process: versions count from 1 in each, so a page that reconnects to a restarted
   * preview tells its builds from the old one's by this, not by the number.
   */
  run: string;
  version: number;
  date: string;
  builtAt: string;
  ms: number;
  subject?: string;
  preheader?: string;
  htmlBytes?: number;
  clipBytes: number;
  problems: Diagnostic[];
  files: PreviewBuild['files'];
  /** True while the frames show an earlier build, because this one has errors. */
  stale: boolean;
  /** Whether there is an email to show at all (none until the issue first builds without errors). */
  hasEmail: boolean;
  links: {
    state: 'offline' | 'checking' | 'checked' | 'failed';
    checked?: number;
    fromCache?: number;
    excluded?: number;
    reason?: string;
  };
  lists: { id: string; name: string }[];
  /** Approval and scheduled sends, once known (after the build, from the database). */
  release?: ReleaseStatus;
}

export interface SessionOptions {
  root: string;
  date: string;
  /** Checks that take longer than a build (the links, over the network): run after it, merged when done. */
  slowChecks?: (
    build: PreviewBuild,
    signal: AbortSignal,
  ) => Promise<{ problems: Diagnostic[]; checked: number; fromCache: number; excluded?: number }>;
  /**
   * Where the issue stands on its way out: after each build, and again every `releasePollMs` (another
   * terminal may approve or schedule it).
   */
  release?: {
    afterBuild(): Promise<ReleaseStatus | undefined>;
    refresh(): Promise<ReleaseStatus | undefined>;
  };
  releasePollMs?: number;
}

/**
 * The issue being previewed: rebuilt on every change, one build at a time (a change during a
 * build schedules one more, never two at once), with the last build free of errors kept for the
 * frames, so a half-typed YAML line shows an overlay over the last good email rather than a blank.
 */
export class PreviewSession {
  private current?: PreviewBuild;
  private lastGood?: PreviewBuild;
  private state?: PreviewState;
  private version = 0;
  private building?: Promise<void>;
  private linkCheck?: AbortController;
  private releaseRunning?: Promise<void>;
  private releaseAgain = false;
  private releaseTimer?: NodeJS.Timeout;
  private again = false;
  private readonly listeners = new Set<(state: PreviewState) => void>();
  private readonly run = randomBytes(6).toString('base64url');
  private readonly config = rememberedConfig();

  /** The preview's own `/site/` address, once it listens: the email's links and images point there. */
  siteUrl = 'http://127.0.0.1/site/';

  constructor(private readonly options: SessionOptions) {
    // Each save reads every file of the issue again; only the one saved has new text to parse.
    rememberSplitsByText(REMEMBERED_FILES);
    rememberBodiesByText(REMEMBERED_FILES);
  }

  get latest(): PreviewState | undefined {
    return this.state;
  }

  /** The build the frames show: the latest without errors, or else the latest. */
  get shown(): PreviewBuild | undefined {
    return this.lastGood ?? this.current;
  }

  onState(listener: (state: PreviewState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Rebuilds now, or right after the build under way; resolves when the files as they are now are shown. */
  rebuild(templatesChanged = false): Promise<void> {
    if (templatesChanged) {
      loadEmailTemplates.forget();
      loadSiteTemplates.forget();
    }
    if (this.building) {
      this.again = true;
      return this.building;
    }
    this.building = (async () => {
      try {
        do {
          this.again = false;
          await this.buildOnce();
        } while (this.again);
      } finally {
        this.building = undefined;
      }
    })();
    return this.building;
  }

  private async buildOnce(): Promise<void> {
    const { root, date } = this.options;
    const siteUrl = this.siteUrl;
    let build: PreviewBuild;
    try {
      build = await buildPreview(root, date, siteUrl, this.config);
    } catch (error) {
      // A bug, not a content problem: say so on the page rather than leave it silent.
      const failure = problem(
        'build-failed',
        startOf(sourceText(relative(process.cwd(), join(root, 'bulletins', date, 'issue.md')), '')),
        {
          detail: (error as Error).message,
        },
      );
      build = {
        date,
        problems: [failure],
        files: [],
        issueDir: join(root, 'bulletins', date),
        links: [],
        ms: 0,
      };
    }
    this.current = build;
    if (build.email && !build.problems.some((p) => p.severity === 'error')) this.lastGood = build;
    const version = ++this.version;
    this.publish(this.stateOf(build, version));
    // Not at once: its build would hold up the page fetching the email it was just told about.
    clearTimeout(this.releaseTimer);
    this.releaseTimer = setTimeout(() => this.checkRelease(), RELEASE_DELAY_MS);
    this.releaseTimer.unref();
    const slow = this.options.slowChecks;
    if (!slow) return;
    // One check at a time: a save starts a new one and stops the one it made stale, so a burst of
    // saves never multiplies the requests to a site (or keeps a Ctrl-C waiting on a slow one).
    this.linkCheck?.abort();
    const controller = new AbortController();
    this.linkCheck = controller;
    void slow(build, controller.signal).then(
      (found) => {
        if (this.version !== version || controller.signal.aborted) return;
        const links = {
          state: 'checked' as const,
          checked: found.checked,
          fromCache: found.fromCache,
          ...(found.excluded ? { excluded: found.excluded } : {}),
        };
        this.publish({
          ...this.state!,
          problems: [...this.state!.problems, ...found.problems],
          files: countProblems(this.state!.files, found.problems),
          links,
        });
      },
      (error: Error) => {
        if (this.version !== version || controller.signal.aborted) return;
        this.publish({ ...this.state!, links: { state: 'failed', reason: error.message } });
      },
    );
  }

  /** Stops the link check under way, if any: the preview is closing. */
  stop(): void {
    this.linkCheck?.abort();
    clearTimeout(this.releaseTimer);
  }

  /**
   * Approval after a build needs the email built again with the real addresses: one such build at
   * a time, and after a burst of saves only one more, for the latest.
   */
  private checkRelease(): void {
    const release = this.options.release;
    if (!release) return;
    if (this.releaseRunning) {
      this.releaseAgain = true;
      return;
    }
    const version = this.version;
    this.releaseRunning = release
      .afterBuild()
      .then(
        (status) => this.mergeRelease(version, status),
        () => undefined,
      )
      .finally(() => {
        this.releaseRunning = undefined;
        if (this.releaseAgain) {
          this.releaseAgain = false;
          this.checkRelease();
        }
      });
  }

  /** Starts asking the database now and then; returns how to stop. */
  pollRelease(): () => void {
    const release = this.options.release;
    if (!release) return () => undefined;
    const timer = setInterval(() => {
      // While a build's verdict is being worked out, the cached email is an older one's.
      if (this.releaseRunning) return;
      const version = this.version;
      void release.refresh().then(
        (status) => this.mergeRelease(version, status),
        () => undefined,
      );
    }, this.options.releasePollMs ?? 5000);
    timer.unref();
    return () => clearInterval(timer);
  }

  private mergeRelease(version: number, status: ReleaseStatus | undefined): void {
    if (this.version !== version || !this.state || !status) return;
    if (JSON.stringify(status) === JSON.stringify(this.state.release)) return;
    this.publish({ ...this.state, release: status });
  }

  private stateOf(build: PreviewBuild, version: number): PreviewState {
    const shown = this.shown;
    return {
      run: this.run,
      version,
      date: build.date,
      builtAt: new Date().toISOString(),
      ms: build.ms,
      // While a file is broken its title is unknown: the last good build still knows it.
      ...((build.subject ?? shown?.subject) ? { subject: (build.subject ?? shown?.subject)! } : {}),
      ...(build.preheader ? { preheader: build.preheader } : {}),
      // While a file is broken, the email shown (and sized) is the last good one.
      ...((build.htmlBytes ?? shown?.htmlBytes) ? { htmlBytes: (build.htmlBytes ?? shown?.htmlBytes)! } : {}),
      hasEmail: Boolean(shown?.email),
      clipBytes: GMAIL_CLIP_BYTES,
      problems: build.problems,
      files: build.files.map((f) => (f.kind ? f : { ...f, ...titleFrom(shown?.files, f.file) })),
      stale: shown !== build,
      links: { state: this.options.slowChecks ? 'checking' : 'offline' },
      lists: (build.config ?? shown?.config)?.lists.map((l) => ({ id: l.id, name: l.name })) ?? [],
      // Until it is judged again, the last verdict shows, marked as being checked.
      ...(this.state?.release ? { release: { ...this.state.release, checking: true } } : {}),
    };
  }

  private publish(state: PreviewState): void {
    this.state = state;
    for (const listener of this.listeners) listener(state);
  }
}

function countProblems(files: PreviewState['files'], added: readonly Diagnostic[]): PreviewState['files'] {
  return files.map((f) => {
    const own = added.filter((p) => p.file === f.file);
    return {
      ...f,
      errors: f.errors + own.filter((p) => p.severity === 'error').length,
      warnings: f.warnings + own.filter((p) => p.severity === 'warning').length,
    };
  });
}

function titleFrom(
  files: PreviewState['files'] | undefined,
  file: string,
): { title?: string; kind?: string } {
  const known = files?.find((f) => f.file === file && f.kind);
  return known ? { title: known.title, kind: known.kind } : {};
}
