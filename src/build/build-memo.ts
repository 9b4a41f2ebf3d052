import { createHash, type Hash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { listIssueDates } from '../content/issues-dir.js';
import type { Config } from '../content/model.js';
import { isErrno, MISSING } from '../support/errors.js';
import { type FileStamp, stampIfThere } from '../support/file-stamp.js';
import { KeyedFileCache } from './keyed-cache.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { codeVersion } from './code-version.js';
import { hashFolder } from './render-cache.js';
import { FolderStamps } from './folder-stamps.js';
import type { FolderStamp } from './issue-folder.js';

/** What `bulletin build` prints of a build (pipeline.ts's report, without the emails themselves). */
export interface RememberedReport {
  configProblems: Diagnostic[];
  issues: {
    date: string;
    problems: Diagnostic[];
    emailChecked: boolean;
    outputs?: { html: { path: string }; text: { path: string } };
  }[];
  site?: { dir: string };
  siteSkipped?: string;
}

/** What a finished build left: its report, and each file it made as it was when the build ended. */
interface Memo {
  report: RememberedReport;
  outputs: Record<string, FileStamp>;
}

export interface BuildInputs {
  root: string;
  outDir: string;
  config: Config;
  configPath?: string;
  templatesDir: string;
  /** The issues whose email is built. */
  dates: readonly string[];
  site: boolean;
  strict: boolean;
}

const MEMO_NAME = 'last';

/**
 * The last build of a site folder (`.bulletin/cache/build/last.v8`), so that a build whose inputs
 * and outputs are all as that build left them does nothing at all, as make does: its key is every
 * input (each issue folder as the render cache hashes it, the config file and the config as loaded,
 * every template file, the options, Bulletin's code), and it counts only if every file it wrote is
 * still there with the same size and modification time and dist/site holds nothing else. Anything
 * else (an edit, a deleted or touched output, a corrupt memo) is a normal build, which then uses the
 * render and email caches and writes only what changed.
 *
 * Everything but the issues is read when the memo is opened, before the build starts; each issue
 * folder is looked at only to look a build up (`lookUp`), and read only if its files' stats are not
 * as a build read them last (folder-stamps.ts). A build is remembered under the digests of the
 * bytes its issues were prepared from: an input edited while the build ran then makes a key of its
 * own, and the next build sees the edit. A first build so reads each Markdown file once, as it
 * prepares the issue (reading them all for the key first took ~0.25 s of CPU at 520 issues).
 */
export class BuildMemo<R extends RememberedReport> {
  private constructor(
    private readonly inputs: BuildInputs,
    /** The key's hash of every input but the issues. */
    private readonly base: Hash,
    /** The issue folders listed when the memo was opened: the key's issues. */
    private readonly dates: readonly string[],
    /** Each issue folder's digest by its files' stats, as the last builds left them. */
    private readonly stamps: FolderStamps,
  ) {}

  /** Opened before any issue is read (the stamps take the time the build began). */
  static async open<R extends RememberedReport>(inputs: BuildInputs): Promise<BuildMemo<R>> {
    const stamps = FolderStamps.start(inputs.root);
    const base = createHash('sha256');
    base.update([codeVersion(), process.cwd(), inputs.root, inputs.outDir, inputs.templatesDir].join('\0'));
    base.update(`\0${inputs.site}\0${inputs.strict}\0${[...inputs.dates].sort().join(',')}\0`);
    base.update(JSON.stringify(inputs.config));
    if (inputs.configPath) base.update('\0config\0').update(readFileSync(inputs.configPath));
    try {
      hashFolder(base, inputs.templatesDir);
    } catch (error) {
      // No templates: the build reports it, and does not finish to be remembered.
      if (!isErrno(error, ...MISSING)) throw error;
    }
    const dates = inputs.site ? await listIssueDates(inputs.root) : [...inputs.dates];
    return new BuildMemo<R>(inputs, base, dates, stamps);
  }

  /** A memo is stored for the site folder: without one, `lookUp` cannot answer a build. */
  static mayAnswer(root: string): boolean {
    return memoEntries(root).has(MEMO_NAME);
  }

  /**
   * The report of the last build if it stands for this one, and each issue folder's `issueDigest`,
   * found for the key (the render cache keys on them too): by its stamp, or read.
   */
  lookUp(): { hit?: R; issueDigests: Record<string, string> } {
    const issueDigests: Record<string, string> = {};
    for (const date of this.dates) {
      const digest = this.stamps.digestOf(date, join(this.inputs.root, 'bulletins', date));
      if (digest !== undefined) issueDigests[date] = digest;
    }
    const key = this.keyOf(issueDigests);
    const memo = key === undefined ? undefined : memoEntries(this.inputs.root).get(MEMO_NAME, key);
    // The report was stored by this same code (the key holds its version): it is the type it was.
    const intact = memo && outputsIntact(this.inputs.outDir, memo.outputs, this.inputs.site);
    // Else the build goes on, and `remember` stores them with those its stages read.
    if (intact) this.stamps.save(this.allDates());
    return { ...(intact ? { hit: memo.report as R } : {}), issueDigests };
  }

  /**
   * Remembers a build that wrote everything it was asked for, its issues by the digests of the bytes
   * they were prepared from (`preparedFrom`); returns its report unchanged. `stamped`: each file the
   * build wrote, by its path relative to the output folder, stamped as it was written (stages.ts);
   * without it, or where it misses an email, every output is listed and statted here.
   * `folderStamps`: the stamp of each issue folder the stages read, taken as they read the bytes of
   * its `preparedFrom` digest; stored with it whether or not the build is remembered.
   */
  remember(
    report: R,
    preparedFrom: Readonly<Record<string, string>>,
    stamped?: Memo['outputs'],
    folderStamps: Readonly<Record<string, FolderStamp>> = {},
  ): R {
    for (const [date, stamp] of Object.entries(folderStamps)) {
      const digest = preparedFrom[date];
      if (digest !== undefined) this.stamps.note(date, digest, stamp);
    }
    this.stamps.save(this.allDates());
    const wroteAll = !report.siteSkipped && report.issues.every((issue) => issue.outputs);
    const key = wroteAll ? this.keyOf(preparedFrom) : undefined;
    if (key === undefined) return report;
    const emails = report.issues.flatMap((issue) => [issue.outputs!.html.path, issue.outputs!.text.path]);
    const outDir = this.inputs.outDir;
    const outputs =
      stamped && emails.every((file) => Object.hasOwn(stamped, relative(outDir, file)))
        ? stamped
        : stampsOf(outDir, [
            ...emails,
            ...(report.site ? siteFiles(report.site.dir).map((path) => join(report.site!.dir, path)) : []),
          ]);
    // An output removed since it was written (by hand, meanwhile): nothing to remember the build by.
    if (!outputs) return report;
    // Only what `bulletin build` prints: the email itself stays in the email cache.
    const issues = report.issues.map(({ date, problems, emailChecked, outputs }) => ({
      date,
      problems,
      emailChecked,
      outputs,
    }));
    memoEntries(this.inputs.root).set(MEMO_NAME, key, { report: { ...report, issues }, outputs });
    return report;
  }

  /** Every issue of the site, where the memo lists them all (a build of the archive). */
  private allDates(): readonly string[] | undefined {
    return this.inputs.site ? this.dates : undefined;
  }

  /**
   * The key, or undefined when an issue has no digest (its folder could not be read whole: a key
   * without it would not change when it does).
   */
  private keyOf(digests: Readonly<Record<string, string>>): string | undefined {
    if (!this.dates.every((date) => Object.hasOwn(digests, date))) return undefined;
    const hash = this.base.copy();
    for (const date of this.dates) hash.update(`\0issue\0${date}\0${digests[date]}`);
    return hash.digest('hex');
  }
}

function memoEntries(root: string): KeyedFileCache<Memo> {
  return new KeyedFileCache(join(root, '.bulletin', 'cache', 'build'), isMemo);
}

/** Each file's stamp, by its path relative to `outDir`; undefined when one is not there. */
function stampsOf(outDir: string, files: readonly string[]): Memo['outputs'] | undefined {
  const outputs: Memo['outputs'] = {};
  for (const file of files) {
    const stamp = stampIfThere(file);
    if (!stamp) return undefined;
    outputs[relative(outDir, file)] = stamp;
  }
  return outputs;
}

function outputsIntact(outDir: string, outputs: Memo['outputs'], site: boolean): boolean {
  try {
    for (const [path, recorded] of Object.entries(outputs)) {
      const { size, mtimeMs } = statSync(join(outDir, path));
      if (size !== recorded.size || mtimeMs !== recorded.mtimeMs) return false;
    }
    // Nothing added to the site since (a build would delete it).
    return !site || siteFiles(join(outDir, 'site')).every((path) => `site/${path}` in outputs);
  } catch (error) {
    // An output deleted since: build again.
    if (isErrno(error, ...MISSING)) return false;
    throw error;
  }
}

/** Every file under the site folder, relative to it with forward slashes. */
function siteFiles(dir: string, prefix = ''): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const path = `${prefix}${entry.name}`;
    if (entry.isDirectory()) found.push(...siteFiles(dir, `${path}/`));
    else found.push(path);
  }
  return found;
}

function isMemo(value: unknown): value is Memo {
  const memo = value as Partial<Memo>;
  return (
    typeof memo.outputs === 'object' &&
    memo.outputs !== null &&
    Array.isArray(memo.report?.issues) &&
    Array.isArray(memo.report.configProblems)
  );
}
