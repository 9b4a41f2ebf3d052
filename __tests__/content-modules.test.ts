/**
 * Module-level tests for src/content, in process (no CLI spawn), so they run in milliseconds. They
 * assert what a user sees of a problem (code, severity, line:column, message), not how it is built.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/content/config.js';
import { controlCharacterProblems } from '../src/content/control-check.js';
import { splitFrontMatter } from '../src/content/front-matter.js';
import { loadIssue } from '../src/content/load-issue.js';
import { decodeSource, MAX_SOURCE_BYTES, readSource, sourceOfBytes } from '../src/content/read-source.js';
import { issueSchema } from '../src/content/schema.js';
import { isCalendarDate } from '../src/support/dates.js';
import { kindSpec } from '../src/content/kinds/index.js';
import { describeValue, keyName, validateFrontMatter } from '../src/content/validate.js';
import { placeOfPath } from '../src/content/yaml-place.js';
import type { Diagnostic } from '../src/diagnostics/diagnostic.js';
import { sourceText } from '../src/diagnostics/source-text.js';
import { repoRoot } from './helpers/cli.js';

const split = (text: string) => splitFrontMatter(sourceText('item.md', text));
/** A problem as one line a reader would check it by: code, severity, place, message. */
const brief = (d: Diagnostic) => `${d.code} ${d.severity} ${d.line}:${d.column} ${d.message}`;
const briefs = (ds: readonly Diagnostic[]) => ds.map(brief);
const validate = (text: string, schema: Parameters<typeof validateFrontMatter>[1]) =>
  briefs(validateFrontMatter(split(text).file, schema).problems);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bulletin-content-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('front matter', () => {
  test('splits YAML from the body and knows the line the body starts on', () => {
    const { file, problems } = split('---\ntitle: Hello\nkind: news\n---\nBody line\n');
    expect(problems).toEqual([]);
    expect(file.data).toEqual({ title: 'Hello', kind: 'news' });
    expect(file.body).toBe('Body line\n');
    expect(file.bodyLine).toBe(5);
  });

  test('a closing line with trailing spaces still starts the body on the next line', () => {
    const { file, problems } = split('---\ntitle: x   \n---   \nBody\n');
    expect(problems).toEqual([]);
    expect(file.body).toBe('Body\n');
    expect(file.bodyLine).toBe(4);
  });

  test('missing, late, unclosed and non-YAML front matter are each named at their place', () => {
    expect(briefs(split('No front matter\n').problems)).toEqual([
      'frontmatter-missing error 1:1 File has no front matter.',
    ]);
    expect(briefs(split('\n\n---\ntitle: x\n---\n').problems)).toEqual([
      'frontmatter-missing error 3:1 The front matter must start on the first line, but it starts on line 3.',
    ]);
    expect(briefs(split('---\ntitle: x\nbody runs on\n').problems)).toEqual([
      'frontmatter-missing error 1:1 Front matter is not closed.',
    ]);
    const js = split('---js\nmodule.exports = {}\n---\n');
    expect(briefs(js.problems)).toEqual([
      'frontmatter-language error 1:4 Front matter in "js" is not allowed; ' +
        'Bulletin reads YAML front matter only and never runs code in content.',
    ]);
    expect(js.file.data).toEqual({});
  });

  test('YAML syntax errors point into the file, not into the YAML text', () => {
    expect(briefs(split('---\ntitle: x\ntitle: y\n---\n').problems)).toEqual([
      'yaml-syntax error 3:1 YAML syntax error: the key "title" appears twice in the same mapping.',
    ]);
    expect(briefs(split('---\ntitle: "unclosed\n---\n').problems)).toEqual([
      'yaml-syntax error 2:8 YAML syntax error: this quoted text has no closing ".',
    ]);
  });
});

describe('yaml places', () => {
  const file = split(
    '---\nkind: news\ntitle: Hi\nlinks:\n  - text: A\n    url: https://a.example/\n  - text: B\n---\n',
  ).file;

  test('a value, its key, and values inside lists map to line:column of the file', () => {
    expect(placeOfPath(file, ['title'])).toEqual({ line: 3, column: 8 });
    expect(placeOfPath(file, ['title'], 'key')).toEqual({ line: 3, column: 1 });
    expect(placeOfPath(file, ['links', 1, 'text'])).toEqual({ line: 7, column: 11 });
  });

  test('a path that does not exist points at the deepest part that does', () => {
    expect(placeOfPath(file, ['links', 1, 'url'])).toEqual({ line: 7, column: 5 });
    expect(placeOfPath(file, ['links', 5])).toEqual({ line: 5, column: 3 });
    expect(placeOfPath(file, ['nope'])).toEqual({ line: 2, column: 1 });
  });

  test('a key with no value points just after the key', () => {
    expect(placeOfPath(split('---\ntitle:\n---\n').file, ['title'])).toEqual({ line: 2, column: 7 });
  });

  test('a file without front matter maps everything to 1:1', () => {
    expect(placeOfPath(split('Just text\n').file, ['title'])).toEqual({ line: 1, column: 1 });
  });
});

describe('validation against the schemas', () => {
  test('valid front matter gives its value and no problems', () => {
    const result = validateFrontMatter(
      split('---\nkind: news\ntitle: Hi\n---\n').file,
      kindSpec('news').schema,
    );
    expect(result.problems).toEqual([]);
    expect(result.value).toEqual({ kind: 'news', title: 'Hi' });
  });

  test('a misspelt key is one problem with a did-you-mean, not also a missing key', () => {
    const { problems } = validateFrontMatter(
      split('---\nkind: news\ntitel: Hi\n---\n').file,
      kindSpec('news').schema,
    );
    expect(briefs(problems)).toEqual(['unknown-key error 3:1 Unknown key "titel". Did you mean "title"?']);
    expect(problems[0]!.hint).toBe(
      'Known keys here: kind, title, order, places, programmes, contact, links.',
    );
  });

  test('impossible dates, wrong types and unknown keys are each reported where written', () => {
    expect(validate('---\ntitle: T\ndate: 2018-02-30\nsummary: [a]\nextra: 1\n---\n', issueSchema)).toEqual([
      'invalid-value error 3:7 "date": "2018-02-30" is not a real date: February 2018 has 28 days.',
      'invalid-type error 4:10 "summary" should be text, but it is a list.',
      'unknown-key error 5:1 Unknown key "extra".',
    ]);
  });

  test('problems inside a list name the entry by its number', () => {
    const text =
      '---\nkind: news\ntitle: Hi\nlinks:\n  - text: A\n    url: https://a.example/\n  - text: B\n---\n';
    expect(validate(text, kindSpec('news').schema)).toEqual([
      'missing-key error 7:5 Missing "url" of link 2.',
    ]);
    const meeting = '---\nkind: meetings\ntitle: M\nmeetings:\n  - title: Board\n    date: 2018-05-1\n---\n';
    expect(validate(meeting, kindSpec('meetings').schema)).toEqual([
      'invalid-value error 6:11 "date" of meeting 1: "2018-05-1" is not a date written YYYY-MM-DD.',
    ]);
  });

  test('a link that is not a web address is refused', () => {
    const text = '---\nkind: news\ntitle: T\nlinks:\n  - text: x\n    url: javascript:alert(1)\n---\n';
    expect(validate(text, kindSpec('news').schema)).toEqual([
      'unsafe-url error 6:10 "url" of link 1: "javascript:alert(1)" is not a web address.',
    ]);
  });

  test('key names and value descriptions read as English', () => {
    expect(keyName(['meetings', 1, 'date'])).toBe('"date" of meeting 2');
    expect(keyName(['title'])).toBe('"title"');
    expect(keyName([])).toBe('the front matter');
    expect([[1], {}, 's', 3, true].map(describeValue)).toEqual([
      'a list',
      'a set of keys',
      'the text "s"',
      'the number 3',
      'the value true',
    ]);
  });

  test('calendar dates are real dates written YYYY-MM-DD', () => {
    expect(isCalendarDate('2018-02-28')).toBe(true);
    expect(isCalendarDate('2020-02-29')).toBe(true);
    expect(isCalendarDate('2018-02-29')).toBe(false);
    expect(isCalendarDate('2018-13-01')).toBe(false);
    expect(isCalendarDate('18-01-01')).toBe(false);
  });

  test('an invisible control character in a front-matter value is found at its value', () => {
    const file = split('---\nkind: news\ntitle: "Bell\\u0007here"\n---\n').file;
    const problems = controlCharacterProblems(file);
    expect(problems.map((d) => `${d.code} ${d.line}:${d.column}`)).toEqual(['control-character 3:8']);
    expect(controlCharacterProblems(split('---\ntitle: plain\n---\n').file)).toEqual([]);
  });
});

describe('reading sources', () => {
  test('a BOM is dropped and CRLF becomes LF', () => {
    const read = decodeSource(new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 0x0d, 0x0a, 0x62]), 'a.md');
    expect('source' in read && read.source.text).toBe('a\nb');
  });

  test('bytes that are not UTF-8 are reported at the first bad character', () => {
    const read = decodeSource(Buffer.from('---\ntitle: caf\xe9\n', 'latin1'), 'b.md');
    expect('problem' in read && brief(read.problem)).toBe(
      'invalid-encoding error 2:11 File is not valid UTF-8.',
    );
  });

  test('a blank file is empty; a missing file is unreadable; a huge one is refused', async () => {
    const empty = decodeSource(Buffer.from(' \n\n'), 'c.md');
    expect('problem' in empty && brief(empty.problem)).toBe('file-empty error 1:1 File is empty.');
    const missing = await readSource(join(dir, 'none.md'), 'none.md');
    expect('problem' in missing && brief(missing.problem)).toBe(
      'file-unreadable error 1:1 Cannot read the file (ENOENT).',
    );
    writeFileSync(join(dir, 'big.md'), `---\ntitle: big\n---\n${'x'.repeat(MAX_SOURCE_BYTES)}`);
    const big = await readSource(join(dir, 'big.md'), 'big.md');
    expect('problem' in big && brief(big.problem)).toBe(
      'file-too-large error 1:1 File is 512.1 KiB; a bulletin file may be at most 512 KiB.',
    );
    expect('problem' in big && big.problem.frame).toContain('2 | title: big');
  });

  test('bytes read already are reported as the same file read from disk would be', async () => {
    const cases = {
      'big.md': `---\ntitle: big\n---\n${'x'.repeat(MAX_SOURCE_BYTES)}`,
      'latin.md': Buffer.from('---\ntitle: caf\xe9\n', 'latin1'),
      'blank.md': ' \n\n',
      'fine.md': '\ufeff---\r\ntitle: fine\r\n---\r\nText\r\n',
    };
    for (const [name, content] of Object.entries(cases)) {
      writeFileSync(join(dir, name), content);
      const fromDisk = await readSource(join(dir, name), name);
      expect(sourceOfBytes(Buffer.from(content as string), name)).toEqual(fromDisk);
    }
  });
});

describe('config', () => {
  test('the sample site config loads without problems', async () => {
    const loaded = await loadConfig(repoRoot);
    expect(loaded.problems).toEqual([]);
    expect(loaded.config?.site.timezone).toBe('Europe/London');
    expect(loaded.path).toBe(join(repoRoot, 'bulletin.config.yaml'));
  });

  test('no config at all says where it looked', async () => {
    const loaded = await loadConfig(dir);
    expect(loaded.config).toBeUndefined();
    expect(briefs(loaded.problems)).toEqual([
      `config-invalid error 1:1 No bulletin.config.yaml or bulletin.config.json in ${dir}.`,
    ]);
  });

  test('a typo keeps its own code; other schema problems are config-invalid', async () => {
    writeFileSync(join(dir, 'bulletin.config.yaml'), 'site:\n  name: x\n  nmae: y\n');
    const { problems } = await loadConfig(dir);
    expect(briefs(problems)).toContain(
      'unknown-key error 3:3 Unknown key "nmae" in "site". Did you mean "name"?',
    );
    expect(briefs(problems)).toContain('config-invalid error 2:3 Missing "site.baseUrl".');
    expect(briefs(problems)).toContain('config-invalid error 1:1 Missing "sender".');
  });

  test('a YAML syntax error in the config is reported at its line', async () => {
    writeFileSync(join(dir, 'bulletin.config.yaml'), 'site: [\n');
    const { problems, config } = await loadConfig(dir);
    expect(config).toBeUndefined();
    expect(problems.map((d) => `${d.code} ${d.line}:${d.column}`)).toEqual(['yaml-syntax 2:1']);
  });
});

describe('loading an issue', () => {
  const copyIssue = (date: string) => {
    cpSync(join(repoRoot, 'bulletins', '2018-05-11'), join(dir, 'bulletins', date), { recursive: true });
  };

  test('the sample issue loads whole, with its items', async () => {
    const { config } = await loadConfig(repoRoot);
    const loaded = await loadIssue(repoRoot, '2018-05-11', config!);
    expect(loaded.problems).toEqual([]);
    expect(loaded.issue?.title).toBe('The giants are still learning to dance');
    expect(loaded.files.length).toBe(8);
  });

  test('Markdown read already is loaded from those bytes; a name without them is read, to say why it cannot be', async () => {
    const { config } = await loadConfig(repoRoot);
    copyIssue('2018-05-11');
    const folder = join(dir, 'bulletins', '2018-05-11');
    const read = new Map<string, Buffer | undefined>();
    for (const name of readdirSync(folder).filter((n) => n.endsWith('.md')))
      read.set(name, readFileSync(join(folder, name)));
    // Edited on disk after it was read: the loader keeps to what was read.
    writeFileSync(join(folder, 'issue.md'), '---\ntitle: Edited since\n---\n');
    read.set('notes.md', undefined);
    const loaded = await loadIssue(dir, '2018-05-11', config!, read);
    expect(loaded.files.some((file) => file.source.text.includes('Edited since'))).toBe(false);
    expect(briefs(loaded.problems)).toEqual(['file-unreadable error 1:1 Cannot read the file (ENOENT).']);
    expect(loaded.problems[0]!.file).toMatch(/notes\.md$/);
  });

  test('a folder not named by a date, and a missing folder, are reported', async () => {
    const { config } = await loadConfig(repoRoot);
    const loaded = await loadIssue(dir, 'next-week', config!);
    expect(loaded.issue).toBeUndefined();
    expect(loaded.problems.map((d) => d.code)).toEqual(['folder-name', 'issue-missing']);
    expect(loaded.problems[0]!.message).toBe('Issue folder "next-week" is not named by a date.');
  });

  test('a broken item is reported with its file and place, and there is no issue', async () => {
    const { config } = await loadConfig(repoRoot);
    copyIssue('2018-05-11');
    writeFileSync(
      join(dir, 'bulletins', '2018-05-11', '02-carers.md'),
      '---\nkind: news\ntitel: Carers\n---\nText\n',
    );
    const loaded = await loadIssue(dir, '2018-05-11', config!);
    expect(loaded.issue).toBeUndefined();
    const problem = loaded.problems.find((d) => d.code === 'unknown-key');
    expect(problem?.file).toMatch(/02-carers\.md$/);
    expect([problem?.line, problem?.column, problem?.message]).toEqual([
      3,
      1,
      'Unknown key "titel". Did you mean "title"?',
    ]);
  });
});
