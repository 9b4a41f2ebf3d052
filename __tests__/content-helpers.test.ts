/** Module-level tests for the smaller helpers of src/content, in process (no CLI spawn). */
import { codeFrameColumns } from '@babel/code-frame';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  codePointName,
  firstForbiddenCharacter,
  multiLineText,
  oneLineText,
} from '../src/content/control-characters.js';
import { splitFrontMatter } from '../src/content/front-matter.js';
import { isInside, readFileInside, reallyInsideSync } from '../src/content/inside-folder.js';
import { listIssueDates } from '../src/content/issues-dir.js';
import { issueSkeleton, itemSkeleton } from '../src/content/scaffold.js';
import { issueSchema } from '../src/content/schema.js';
import { kindSpec } from '../src/content/kinds/index.js';
import { validateFrontMatter } from '../src/content/validate.js';
import { codeFrameAt, sourceText } from '../src/diagnostics/source-text.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bulletin-helpers-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('control characters', () => {
  test('the first forbidden character is found, controls and lone surrogates alike', () => {
    expect(firstForbiddenCharacter('plain text\twith a tab\nand a line')).toBeUndefined();
    expect(firstForbiddenCharacter('a\rb')).toEqual({ char: '\r', kind: 'control' });
    expect(firstForbiddenCharacter('a\uD800b\u0007')).toEqual({ char: '\uD800', kind: 'surrogate' });
    expect(firstForbiddenCharacter('emoji \uD83D\uDE00 is whole')).toBeUndefined();
    expect(codePointName('\r')).toBe('U+000D');
    expect(codePointName('\u009f')).toBe('U+009F');
  });

  test('text is cleaned for one line or several', () => {
    expect(multiLineText('a\r\nb\rc\u0007d\uDC00')).toBe('a\nb\ncd\uFFFD');
    expect(oneLineText('a\r\nb\n\nc\u2028d')).toBe('a b c d');
  });
});

describe('inside a folder', () => {
  test('a path is inside only below the folder, not at it or beside it', () => {
    expect(isInside('/site/images/a.png', '/site')).toBe(true);
    expect(isInside('/site/..notes.png', '/site')).toBe(true);
    expect(isInside('/site', '/site')).toBe(false);
    expect(isInside('/site/../etc/passwd', '/site')).toBe(false);
    expect(isInside('/sites/a.png', '/site')).toBe(false);
  });

  test('a symbolic link out of the folder is not inside, and is not read', async () => {
    const site = join(dir, 'site');
    mkdirSync(site);
    writeFileSync(join(dir, 'secret.txt'), 'secret');
    writeFileSync(join(site, 'own.txt'), 'own');
    symlinkSync(join(dir, 'secret.txt'), join(site, 'link.txt'));
    expect(reallyInsideSync(join(site, 'own.txt'), site)).toBe(true);
    expect(reallyInsideSync(join(site, 'link.txt'), site)).toBe(false);
    expect((await readFileInside(join(site, 'own.txt'), site))?.toString()).toBe('own');
    expect(await readFileInside(join(site, 'link.txt'), site)).toBeUndefined();
  });
});

describe('issue folders and skeletons', () => {
  test('only folders named by a date are issues, oldest first', async () => {
    expect(await listIssueDates(dir)).toEqual([]);
    for (const name of ['2018-05-18', '2018-05-11', 'drafts', '2018-5-4'])
      mkdirSync(join(dir, 'bulletins', name), { recursive: true });
    writeFileSync(join(dir, 'bulletins', '2018-05-25'), 'a file, not a folder');
    expect(await listIssueDates(dir)).toEqual(['2018-05-11', '2018-05-18']);
  });

  test('the skeletons are valid content', () => {
    const valid = (text: string, schema: Parameters<typeof validateFrontMatter>[1]) => {
      const { file, problems } = splitFrontMatter(sourceText('skeleton.md', text));
      return [...problems, ...validateFrontMatter(file, schema).problems];
    };
    expect(valid(issueSkeleton('2018-05-11'), issueSchema)).toEqual([]);
    expect(
      valid(
        itemSkeleton('programme', 'Stroke: "news"', '2018-05-11', 'stroke'),
        kindSpec('programme').schema,
      ),
    ).toEqual([]);
    const meetings = itemSkeleton('meetings', 'ignored', '2018-05-11');
    expect(valid(meetings, kindSpec('meetings').schema)).toEqual([]);
    expect(meetings).toContain('date: 2018-05-15');
  });
});

describe('code frames', () => {
  test('a frame from the lines around the place is the frame code-frame makes of the whole file', () => {
    const lines = ['---', 'title: "A"', '', '\tindented', 'x'.repeat(120), 'last'];
    const texts = [
      lines.join('\n'),
      `${lines.join('\n')}\n`,
      Array.from({ length: 120 }, (_, i) => `line ${i + 1}`).join('\n'),
      'one line',
      'a\r\nb\rc\u2028d\ne',
    ];
    for (const text of texts) {
      const source = sourceText('file.md', text);
      for (let line = 1; line <= source.lineStarts.length; line++) {
        for (const column of [1, 3, 200]) {
          const whole = codeFrameColumns(
            text,
            { start: { line, column } },
            { linesAbove: 1, linesBelow: 1, highlightCode: false },
          );
          expect({ text, line, column, frame: codeFrameAt(source, { line, column }) }).toEqual({
            text,
            line,
            column,
            frame: whole,
          });
        }
      }
    }
  });
});
