import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'cheerio';
import type { CompiledEmail } from '../src/render/email/compile.js';
import { parseMarkdown } from '../src/render/markdown.js';
import { markdownToText, wrap, wrapLongLines, wrapWords } from '../src/render/plain-text.js';
import { repoRoot } from './helpers/cli.js';
import { buildInMemory } from './helpers/site.js';

const SAMPLE_ISSUES = readdirSync(join(repoRoot, 'bulletins')).filter((name) =>
  /^\d{4}-\d\d-\d\d$/.test(name),
);
const WIDTH = 78;

// Long on purpose: the footer's sentence and the greeting must still wrap once these are filled in.
const longRecipient = {
  email: 'alexandra.montgomery-fitzwilliam.long-address@community-services.example.org',
  name: 'Dr Alexandra Catherine Montgomery-Fitzwilliam of the Partnership Board',
  unsubscribeUrl: `https://bulletin.wyhpartnership.example/unsubscribe?token=${'x'.repeat(120)}`,
  preferencesUrl: `https://bulletin.wyhpartnership.example/preferences?token=${'y'.repeat(120)}`,
};

const emails = new Map<string, CompiledEmail>();
beforeAll(async () => {
  for (const date of SAMPLE_ISSUES) emails.set(date, (await buildInMemory(repoRoot, date)).email!);
}, 60_000);

const characters = (line: string) => [...line].length;
const isUrl = (token: string) => /[a-z][a-z0-9+.-]*:\/\/\S/i.test(token) || /^<?\S+@\S+\.\S+>?$/.test(token);

/** Lines over the width, unless all that overflows is one URL after the line's indent or marker. */
function overlong(text: string): string[] {
  return text.split('\n').filter((line) => {
    if (characters(line) <= WIDTH) return false;
    const tokens = line.replace(/^(?:> ?)*\s*(?:[*-]|\d+\.)?\s*/, '').split(' ');
    return !(tokens.length === 1 && isUrl(tokens[0]!));
  });
}

function bothTexts(date: string): [string, string][] {
  const email = emails.get(date)!;
  return [
    ['email.txt', email.withPlaceholders().text],
    ['filled for a long recipient', email.fill(longRecipient).text],
  ];
}

describe.each(SAMPLE_ISSUES)('the text part of %s', (date) => {
  test(`every line is at most ${WIDTH} characters unless what overflows is a URL`, () => {
    for (const [which, text] of bothTexts(date))
      expect({ which, overlong: overlong(text) }).toEqual({ which, overlong: [] });
  });

  test('every heading of the HTML is written one way in the text: its line, then an underline as long', () => {
    const email = emails.get(date)!;
    const filled = email.fill(longRecipient);
    const $ = load(filled.html);
    const lines = filled.text.split('\n');
    const headings = $('h1, h2, h3, h4, h5, h6')
      .map((_, el) => $(el).text().trim())
      .get();
    expect(headings.length).toBeGreaterThan(5);
    // A heading longer than the width wraps; its underline is as long as its longest line.
    const written = headings.map((heading) => {
      for (let at = 0; at < lines.length; at++) {
        for (let end = at + 1; end <= Math.min(lines.length, at + 3); end++) {
          if (lines.slice(at, end).join(' ') !== heading) continue;
          const longest = Math.max(...lines.slice(at, end).map(characters));
          return { heading, underline: lines[end], longest };
        }
      }
      return { heading, underline: 'heading not found as a line', longest: 0 };
    });
    expect(written.every((w) => w.longest <= WIDTH)).toBe(true);
    expect(written).toEqual(
      written.map(({ heading, longest }) => ({
        heading,
        longest,
        underline: expect.stringMatching(new RegExp(`^(={${longest}}|-{${longest}})$`)),
      })),
    );
    expect(lines.filter((line) => /^#{1,6} /.test(line))).toEqual([]);
  });

  test('the footer starts after a signature separator line, exactly "-- "', () => {
    for (const [which, text] of bothTexts(date)) {
      const lines = text.split('\n');
      expect({ which, separators: lines.filter((line) => /^--\s*$/.test(line)) }).toEqual({
        which,
        separators: ['-- '],
      });
      const footer = lines.slice(lines.indexOf('-- ') + 1).join('\n');
      expect(footer).toMatch(/^You receive (the|this email) /m);
      expect(footer).toMatch(/Unsubscribe:\s+\S/);
    }
  });
});

test('a table too wide for the text part is written row by row, each cell under its heading', () => {
  const markdown = [
    '| Group | Day | Place | What it will discuss |',
    '| --- | --- | --- | --- |',
    '| Clinical forum | Tuesday 15 May | Wakefield | Urgent and emergency care; innovation and improvement |',
    '| Leadership group | Thursday 17 May | Leeds | The More in Common movement |',
  ].join('\n');
  const text = markdownToText(parseMarkdown(markdown));
  expect(overlong(text)).toEqual([]);
  expect(text).toBe(
    [
      'Group: Clinical forum',
      'Day: Tuesday 15 May',
      'Place: Wakefield',
      'What it will discuss: Urgent and emergency care; innovation and',
      'improvement',
      '',
      'Group: Leadership group',
      'Day: Thursday 17 May',
      'Place: Leeds',
      'What it will discuss: The More in Common movement',
    ].join('\n'),
  );
  // A table that fits keeps its columns.
  expect(markdownToText(parseMarkdown('| A | B |\n| - | - |\n| 1 | 2 |'))).toBe('A | B\n--+--\n1 | 2');
});

test('wrapLongLines counts characters, not UTF-16 units, and wraps only the lines over the width', () => {
  const accented = `${'é'.repeat(40)} ${'😀'.repeat(37)}`; // 78 characters, 114 UTF-16 units
  const long = `  - ${'word '.repeat(20).trim()}`;
  const text = `short line\n${accented}\n${long}\n`;
  const wrapped = wrapLongLines(text);
  expect(wrapped.split('\n').slice(0, 2)).toEqual(['short line', accented]);
  expect(wrapped).toBe(
    `short line\n${accented}\n  - ${'word '.repeat(15).trim()}\n    ${'word '.repeat(5).trim()}\n`,
  );
  expect(wrapped.split('\n').every((line) => [...line].length <= WIDTH)).toBe(true);
});

test('wrapLongLines finds the same long lines as a multiline pattern would, whatever ends them', () => {
  // The line finder it replaced, kept here as the reference: `^...$` with the `m` flag.
  const byPattern = (text: string) =>
    text.replace(/^[^\n]{79,}$/gm, (line) => (line === wrapLongLines(line) ? line : wrapLongLines(line)));
  const words = (n: number, word = 'word') => `${word} `.repeat(n).trim();
  const texts = [
    '',
    '\n',
    words(20),
    `${words(20)}\n`,
    `\n\n${words(30)}\n\n${words(3)}`,
    `${words(10)}\r${words(10)}\n${words(4)}`,
    `${words(10)}\u2028${words(10)}\r\n${words(20)}\r\n`,
    `> ${words(25)}\n> > 1. ${words(25)}`,
    `${'😀'.repeat(50)} ${'😀'.repeat(50)}\n${'\uD800'.repeat(90)}`,
    `https://example.org/${'a'.repeat(120)}\n${words(2)} https://example.org/${'b'.repeat(90)} ${words(2)}`,
  ];
  for (const text of texts) expect(wrapLongLines(text)).toBe(byPattern(text));
  // Nothing long: the very same string back.
  const short = `${words(5)}\n${words(6)}\n`;
  expect(wrapLongLines(short)).toBe(short);
});

test('wrap puts the same words on the same lines as word-by-word greedy wrapping, whatever the spaces', () => {
  // The greedy wrap, word by word (the path `wrap` takes for lines with loose spaces), on every line.
  const greedy = (text: string, width: number) =>
    text
      .split('\n')
      .map((line) => wrapWords(line.split(/ +/).filter(Boolean), width))
      .join('\n');
  // A seeded generator, so a failure repeats: words of 1 to 30 letters (some over the width), one space
  // between them mostly, sometimes two or a leading or trailing one, sometimes a newline.
  let seed = 42;
  const next = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % n;
  };
  const gaps = [' ', ' ', ' ', ' ', ' ', ' ', '  ', '\n', ' \n'];
  for (let round = 0; round < 3000; round++) {
    let text = next(10) === 0 ? ' ' : '';
    const words = next(40);
    for (let w = 0; w < words; w++) {
      text += 'é'.repeat(1 + next(30));
      if (w + 1 < words || next(10) === 0) text += gaps[next(gaps.length)];
    }
    const width = 1 + next(80);
    expect([text, width, wrap(text, width)]).toEqual([text, width, greedy(text, width)]);
  }
});
