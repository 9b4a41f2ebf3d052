import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { listIssueDates } from '../content/issues-dir.js';
import type { Config } from '../content/model.js';
import { isErrno, MISSING } from '../support/errors.js';
import { KeyedFileCache } from './keyed-cache.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { codeVersion, hashFolder, issueDigest } from './render-cache.js';

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
  outputs: Record<string, { size: number; mtimeMs: number }>;
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
 */
export class BuildMemo<R extends RememberedReport> {
  private constructor(
    private readonly entries: KeyedFileCache<Memo>,
    private readonly key: string,
    private readonly outDir: string,
    readonly hit: R | undefined,
    /** Each issue folder's `issueDigest`, read for the key: the render cache keys on them too. */
    readonly issueDigests: Record<string, string>,
    /** Every issue folder could be read whole: a key without one would not change when it does. */
    private readonly complete: boolean,
  ) {}

  static async open<R extends RememberedReport>(inputs: BuildInputs): Promise<BuildMemo<R>> {
    const { key, issueDigests, complete } = await keyOf(inputs);
    const entries = memoEntries(inputs.root);
    const memo = complete ? entries.get(MEMO_NAME, key) : undefined;
    // The report was stored by this same code (the key holds its version): it is the type it was.
    const hit =
      memo && outputsIntact(inputs.outDir, memo.outputs, inputs.site) ? (memo.report as R) : undefined;
    return new BuildMemo<R>(entries, key, inputs.outDir, hit, issueDigests, complete);
  }

  /** Remembers a build that wrote everything it was asked for; returns its report unchanged. */
  record(report: R): R {
    const wroteAll = !report.siteSkipped && report.issues.every((issue) => issue.outputs);
    if (!wroteAll || !this.complete) return report;
    const outputs: Memo['outputs'] = {};
    const files = [
      ...report.issues.flatMap((issue) => [issue.outputs!.html.path, issue.outputs!.text.path]),
      ...(report.site ? siteFiles(report.site.dir).map((path) => join(report.site!.dir, path)) : []),
    ];
    for (const file of files) {
      const { size, mtimeMs } = statSync(file);
      outputs[relative(this.outDir, file)] = { size, mtimeMs };
    }
    // Only what `bulletin build` prints: the email itself stays in the email cache.
    const issues = report.issues.map(({ date, problems, emailChecked, outputs }) => ({
      date,
      problems,
      emailChecked,
      outputs,
    }));
    this.entries.set(MEMO_NAME, this.key, { report: { ...report, issues }, outputs });
    return report;
  }

  /** A memo is stored for the site folder: without one, `open` cannot answer a build. */
  static mayAnswer(root: string): boolean {
    return memoEntries(root).has(MEMO_NAME);
  }
}

function memoEntries(root: string): KeyedFileCache<Memo> {
  return new KeyedFileCache(join(root, '.bulletin', 'cache', 'build'), isMemo);
}

async function keyOf(
  inputs: BuildInputs,
): Promise<{ key: string; issueDigests: Record<string, string>; complete: boolean }> {
  const hash = createHash('sha256');
  hash.update([codeVersion(), process.cwd(), inputs.root, inputs.outDir, inputs.templatesDir].join('\0'));
  hash.update(`\0${inputs.site}\0${inputs.strict}\0${[...inputs.dates].sort().join(',')}\0`);
  hash.update(JSON.stringify(inputs.config));
  if (inputs.configPath) hash.update('\0config\0').update(readFileSync(inputs.configPath));
  try {
    hashFolder(hash, inputs.templatesDir);
  } catch (error) {
    // No templates: the build reports it, and does not finish to be remembered.
    if (!isErrno(error, ...MISSING)) throw error;
  }
  const dates = inputs.site ? await listIssueDates(inputs.root) : inputs.dates;
  const issueDigests: Record<string, string> = {};
  for (const date of dates) {
    const digest = issueDigest(join(inputs.root, 'bulletins', date));
    hash.update(`\0issue\0${date}\0${digest ?? 'missing'}`);
    if (digest !== undefined) issueDigests[date] = digest;
  }
  const complete = dates.every((date) => Object.hasOwn(issueDigests, date));
  return { key: hash.digest('hex'), issueDigests, complete };
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
