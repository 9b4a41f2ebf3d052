/**
 * The bad-input corpus: each folder of `fixtures/bad-input/` is the files of one issue folder with
 * something wrong in them, and `expected.json` lists every diagnostic Bulletin must report for it,
 * in order, with its exact file:line:column, code and message.
 *
 * `case.json` (optional) says how to lay the case out:
 *   folder     the issue folder name, when not 2018-05-11 (a date that does not match issue.md)
 *   transform  per file: `newline: "crlf"` and/or `bom: true`, applied when copying
 *   generate   files written by this test rather than committed: Latin-1 bytes, or a file padded
 *              to the size limit (`overLimitBy` bytes over MAX_SOURCE_BYTES, 0 = exactly at it)
 *
 * `UPDATE_GOLDEN=1` rewrites expected.json from the actual output. Every position in a regenerated
 * file must then be checked by hand against the fixture: a wrong position is a bug in src/.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPipeline } from '../src/build/pipeline.js';
import { MAX_SOURCE_BYTES } from '../src/content/read-source.js';
import { hasErrors, type Diagnostic } from '../src/diagnostics/diagnostic.js';

const corpus = fileURLToPath(new URL('./fixtures/bad-input/', import.meta.url));
const updateGolden = Boolean(process.env.UPDATE_GOLDEN);
const DEFAULT_FOLDER = '2018-05-11';

interface Generated {
  file: string;
  text: string;
  /** Write `text` as Latin-1 bytes (é is 0xE9: not valid UTF-8). */
  encoding?: 'latin1';
  /** Repeat this line after `text` until the file is MAX_SOURCE_BYTES + overLimitBy bytes. */
  padLine?: string;
  overLimitBy?: number;
}

interface CaseOptions {
  folder?: string;
  transform?: Record<string, { newline?: 'crlf'; bom?: boolean }>;
  generate?: Generated[];
}

interface Expected {
  file: string;
  line: number;
  column: number;
  severity: Diagnostic['severity'];
  code: Diagnostic['code'];
  message: string;
}

const cases = readdirSync(corpus, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

function readOptions(caseDir: string): CaseOptions {
  const path = join(caseDir, 'case.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as CaseOptions) : {};
}

function generate(spec: Generated): Buffer {
  const head = Buffer.from(spec.text, spec.encoding ?? 'utf8');
  if (spec.padLine === undefined) return head;
  const size = MAX_SOURCE_BYTES + (spec.overLimitBy ?? 1);
  const line = Buffer.from(spec.padLine, 'utf8');
  const bytes = Buffer.alloc(size);
  head.copy(bytes);
  for (let at = head.length; at < size; at += line.length)
    line.copy(bytes, at, 0, Math.min(line.length, size - at));
  return bytes;
}

/** A site in a fresh temp folder: the shared config and the case's files as bulletins/FOLDER/. */
function layOut(caseName: string): { site: string; folder: string } {
  const caseDir = join(corpus, caseName);
  const options = readOptions(caseDir);
  const folder = options.folder ?? DEFAULT_FOLDER;
  const site = mkdtempSync(join(tmpdir(), 'bulletin-bad-input-'));
  const issueDir = join(site, 'bulletins', folder);
  mkdirSync(issueDir, { recursive: true });
  copyFileSync(join(corpus, 'bulletin.config.yaml'), join(site, 'bulletin.config.yaml'));
  for (const name of readdirSync(caseDir)) {
    if (name === 'expected.json' || name === 'case.json') continue;
    let bytes = readFileSync(join(caseDir, name));
    const transform = options.transform?.[name];
    if (transform?.newline === 'crlf')
      bytes = Buffer.from(bytes.toString('utf8').replace(/\n/g, '\r\n'), 'utf8');
    if (transform?.bom) bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
    writeFileSync(join(issueDir, name), bytes);
  }
  for (const spec of options.generate ?? []) writeFileSync(join(issueDir, spec.file), generate(spec));
  return { site, folder };
}

/** One diagnostic per line, so a golden file reads like the report it stands for. */
function formatGolden(diagnostics: readonly Expected[]): string {
  if (diagnostics.length === 0) return '[]\n';
  return `[\n${diagnostics.map((d) => `  ${JSON.stringify(d)}`).join(',\n')}\n]\n`;
}

declare global {
  // Set by the executable front matter in the js cases, if it ever ran.
  var bulletinCanary: string | undefined;
}

let site: string | undefined;

afterEach(() => {
  if (site) rmSync(site, { recursive: true, force: true });
  site = undefined;
  delete process.env.BULLETIN_CANARY;
  delete globalThis.bulletinCanary;
});

test('the corpus has at least 15 cases, each with an expected.json', () => {
  expect(cases.length).toBeGreaterThanOrEqual(15);
  for (const name of cases) expect(existsSync(join(corpus, name, 'expected.json'))).toBe(true);
});

test.each(cases)('%s', async (caseName) => {
  const laidOut = layOut(caseName);
  site = laidOut.site;
  const { folder } = laidOut;
  const canary = join(site, 'canary');
  process.env.BULLETIN_CANARY = canary;

  const report = await runPipeline({ root: site, dates: [folder], write: true });
  // Executable front matter is refused, never run (checked first: it matters more than any message).
  expect(existsSync(canary)).toBe(false);
  expect(globalThis.bulletinCanary).toBeUndefined();
  expect(report.configProblems).toEqual([]);
  expect(report.issues).toHaveLength(1);
  const problems = report.issues[0]!.problems;
  const actual: Expected[] = problems.map((d) => ({
    file: relative(site!, resolve(process.cwd(), d.file)),
    line: d.line,
    column: d.column,
    severity: d.severity,
    code: d.code,
    message: d.message,
  }));

  const goldenPath = join(corpus, caseName, 'expected.json');
  if (updateGolden) writeFileSync(goldenPath, formatGolden(actual));
  else expect(actual).toEqual(JSON.parse(readFileSync(goldenPath, 'utf8')) as Expected[]);

  // A bad-input case with nothing to report would prove nothing.
  expect(problems.length).toBeGreaterThan(0);

  // Every problem says how to fix it, and shows where, when there is a file to show.
  for (const d of problems) {
    expect({ where: `${d.file}:${d.line}:${d.column}`, hint: d.hint?.trim() || undefined }).toEqual({
      where: expect.any(String),
      hint: expect.any(String),
    });
    const path = resolve(process.cwd(), d.file);
    if (existsSync(path) && statSync(path).size > 0) {
      expect({ where: `${d.file}:${d.line}:${d.column}`, frame: d.frame }).toEqual({
        where: expect.any(String),
        frame: expect.stringMatching(/^>/m),
      });
    }
  }

  const dist = join(site, 'dist');
  if (hasErrors(problems)) {
    // Nothing is written for an issue with errors.
    expect(existsSync(dist)).toBe(false);
    expect(report.issues[0]!.outputs).toBeUndefined();
  } else {
    // Warnings alone still build (exit 0) ...
    for (const name of ['email.html', 'email.txt'])
      expect(existsSync(join(dist, 'email', folder, name))).toBe(true);
    // ... unless --strict, which writes nothing.
    const strictOut = join(site, 'strict-dist');
    const strict = await runPipeline({
      root: site,
      dates: [folder],
      write: true,
      strict: true,
      outDir: strictOut,
    });
    expect(strict.issues[0]!.problems.length).toBe(problems.length);
    expect(existsSync(strictOut)).toBe(false);
  }
});
