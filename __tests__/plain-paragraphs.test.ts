import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import matter from 'gray-matter';
import type { Root } from 'mdast';
import { generateCorpus } from '../scripts/generate-corpus.js';
import { parseWithMicromark } from '../src/render/markdown.js';
import { parseWithPlainParagraphs } from '../src/render/plain-paragraphs.js';
import { repoRoot } from './helpers/cli.js';
import { seeded } from './helpers/seeded.js';

/**
 * Plain paragraphs read without micromark (src/render/plain-paragraphs.ts) must give micromark's
 * very tree: the same nodes, positions and key order (the render cache and the checks see it).
 */

/** The tree, and the slices handed to micromark on the way. */
function parsed(text: string): { tree: Root; rest: string[] } {
  const rest: string[] = [];
  const tree = parseWithPlainParagraphs(text, (slice) => {
    rest.push(slice);
    return parseWithMicromark(slice);
  });
  return { tree, rest };
}

/** Compares as JSON (key order counts), then shows the first few differences in full. */
function expectMicromarkTrees(texts: readonly string[]): { plain: number } {
  let plain = 0;
  const differing = texts.filter((text) => {
    const { tree, rest } = parsed(text);
    if (rest.join('').length < text.length) plain++;
    return JSON.stringify(tree) !== JSON.stringify(parseWithMicromark(text));
  });
  for (const text of differing.slice(0, 3))
    expect({ text, tree: parsed(text).tree }).toEqual({ text, tree: parseWithMicromark(text) });
  expect(differing).toEqual([]);
  return { plain };
}

function markdownFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.md'))
    .map((path) => join(dir, path));
}

test('the sample bulletins, every Markdown fixture and a corpus give the same trees', async () => {
  const files = [
    ...markdownFilesUnder(join(repoRoot, 'bulletins')),
    ...markdownFilesUnder(join(repoRoot, '__tests__', 'fixtures')),
  ];
  const texts = files.flatMap((file) => {
    const source = readFileSync(file, 'utf8');
    try {
      return [source, matter(source).content];
    } catch {
      return [source]; // a bad-input fixture's broken front matter
    }
  });
  const work = mkdtempSync(join(tmpdir(), 'bulletin-plain-'));
  try {
    await generateCorpus(work, { issues: 30 });
    const bodies = markdownFilesUnder(join(work, 'bulletins')).map(
      (file) => matter(readFileSync(file, 'utf8')).content,
    );
    const { plain } = expectMicromarkTrees([...texts, ...bodies]);
    // Most of them are read here, or this test would prove little.
    expect(plain).toBeGreaterThan(bodies.length / 2);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('strong emphasis beside every kind of character opens and closes as micromark says', () => {
  // Letters, digits, ASCII and Unicode punctuation, spaces (no-break, ideographic), line breaks,
  // a whole emoji and each half of one, a link, and the characters that make a block not plain.
  const around = [
    '',
    'a',
    '1',
    ' ',
    '\n',
    '.',
    '(',
    ')',
    '“',
    '\u00A0',
    '\u3000',
    '😀',
    '\uD83D',
    '\uDE00',
    '€',
  ];
  around.push('[x](y)', '*', '_');
  const texts: string[] = [];
  // Inside the pair, one of each class is enough: what is beside the stars is what counts.
  const inside = ['', 'a', ' ', '.', '\uDE00'];
  for (const before of around)
    for (const first of inside)
      for (const last of inside)
        for (const after of around) texts.push(`w${before}**${first}x${last}**${after}w`);
  for (const a of around)
    for (const b of around) {
      texts.push(`**x**${a}${b}**y**z\n**${a}q**`);
      texts.push(`${a}[${b}l](https://e.org/${a ? 'p' : '_'})${b} ${a}**${b}k**`);
      texts.push(`${a}${b}word\n${b}more\n\n${a}last${b}`);
    }
  // An empty item, the first or a later one, is not a paragraph (found by a larger random run).
  texts.push('- \n\nPlain.', 'Plain.\n\n- a\n- \n', '- \n- a', '1) \n\n- \n');
  const { plain } = expectMicromarkTrees(texts);
  expect(plain).toBeGreaterThan(texts.length / 5);
});

test('random texts of mostly plain paragraphs, with now and then something that is not, give the same trees', () => {
  const random = seeded(0x5eed);
  const pick = <T>(items: readonly T[]): T => items[random(items.length)]!;
  const words = [
    'word',
    'Word',
    'I',
    'é',
    'Ärger',
    '中文',
    '10',
    '2020',
    'x1',
    '½',
    '"quoted"',
    "'s",
    '(aside)',
  ];
  words.push(
    'end.',
    'so,',
    'what?',
    'yes!',
    '“curly”',
    '—',
    '-',
    '😀',
    'a\u00A0b',
    '#tag',
    '=',
    '3.5',
    ':',
    '>',
  );
  const addresses = ['https://e.org/p?q=1#f', 'https://e.org/a_b~c', 'x', '/rel', 'mailto:a@b.c', ''];
  addresses.push('a b', '<a>', 'a(b)', 'a&amp;b', 'a\\b', 'http://x "t"', '%20');
  const labels = ['word', 'two words', ' ', 'a\nb', '^n', 'x*y', 'a**b**', 'www.e.org'];
  const odd = [
    '*',
    '_',
    '`',
    '\\',
    '<b>',
    '&amp;',
    '~',
    '|',
    '![i](p)',
    '[',
    ']',
    '  \n',
    ' \n',
    '\t',
    '\r\n',
  ];
  odd.push(
    '@',
    'www.a.b',
    'HTTP://A.B',
    '[^1]',
    '[a]: b',
    '```',
    '<!--',
    '***',
    '1. ',
    '2) ',
    '- ',
    '+ ',
    '# ',
  );
  odd.push('> ', '===', '---', '    ', ' ');
  const strong = () =>
    `${pick(['', ' ', '(', 'a', '.', '😀'])}**${pick(words)}${pick(['', ' ', '\n'])}${pick(words)}**`;
  const token = () => {
    const roll = random(100);
    if (roll < 65) return pick(words);
    if (roll < 77) return strong();
    if (roll < 89) return `[${pick(labels)}](${pick(addresses)})`;
    if (roll < 95) return '\n';
    return pick(odd);
  };
  const line = () => {
    let text = '';
    for (let count = 1 + random(10); count > 0; count--) {
      const next = token();
      text += text && !text.endsWith('\n') && !next.startsWith('\n') && random(3) ? ` ${next}` : next;
    }
    return text;
  };
  const texts: string[] = [];
  for (let count = 0; count < 1_500; count++) {
    const blocks = Array.from({ length: 1 + random(5) }, () =>
      Array.from({ length: 1 + random(3) }, line).join('\n'),
    );
    texts.push(blocks.join(pick(['\n\n', '\n \n', '\n\n\n', '\n'])) + pick(['', '\n', '\n\n', ' ']));
  }
  expectMicromarkTrees(texts);
});

test('a stretch before a plain paragraph ends where micromark ends it given the blank lines after it', () => {
  // Found by a hostile review: indented code takes in a line of four spaces, a list item or a quote
  // a lazy HTML line, and an inner quote a shallower `>` line, each decided by what follows.
  expectMicromarkTrees([
    '    a\n    \nb',
    'a\n\n    a\n    ',
    'a\n\n    a\n    \n',
    '-     a\n      \nc',
    '- x\n\n      code\n      \nb',
    '- a\n<a>\n\nb',
    '> a\n</a>\n\nb',
    '1. a\n<x y="1">\n\nb',
    '> - a\n<a/>\n\nb',
    '> > a\n>\n\nb',
    '>>\n>\n\nb',
    'Plain.\n\n- a\n<a>\n\n\nPlain.',
    // micromark marks the root itself when a task check follows an empty item (a second review).
    '(\n\n-\n[X] a',
    '-\n[x] a\n\nPlain.\n\n*\n[ ] b',
  ]);
});

test('random lists beside every kind of block give the same trees', () => {
  const random = seeded(0x11575);
  const pick = <T>(items: readonly T[]): T => items[random(items.length)]!;
  const plainItems = ['one', 'Two **words** here', '[a link](https://e.org/p)', '"quoted" item', 'é'];
  const item = () =>
    random(4)
      ? pick(plainItems)
      : pick([
          'one',
          'Two **words** here',
          '[a link](https://e.org/p)',
          '"quoted" item',
          'é',
          '2020 was',
          '2020. A year',
          '[ ] task',
          '[x] done',
          '[x](y) link',
          'a  ',
          '**b**',
          '# no',
          '> no',
          '- nested',
          '---',
          '',
          ' two spaces',
          'x *y* z',
          'see www.e.org',
        ]);
  const bullet = () => (random(8) ? '- ' : pick(['* ', '+ ', '1. ', ' - ', '  - ', '-']));
  const list = () => Array.from({ length: 1 + random(3) }, () => `${bullet()}${item()}`).join('\n');
  const other = () =>
    pick([
      'Plain words.',
      'Text\n- item',
      'Text\nmore - text',
      '# Heading',
      'Heading\n---',
      'Heading\n===',
      '  indented',
      '    code',
      '> quote',
      '> - quoted item',
      '* star',
      '1. first',
      '---',
      '- - -',
      '<div>',
      '| a | b |\n|---|---|\n| 1 | 2 |',
      'word\n  - deep',
      'Text\n 1) one',
    ]);
  const texts: string[] = [];
  for (let count = 0; count < 4_000; count++) {
    const blocks = Array.from({ length: 1 + random(4) }, () => (random(3) ? list() : other()));
    let text = blocks[0]!;
    for (const block of blocks.slice(1)) text += pick(['\n\n', '\n\n', '\n \n', '\n\n\n', '\n']) + block;
    texts.push(text + pick(['', '\n', '\n\n', ' ', '\n  ']));
  }
  // An empty item, the first or a later one, is not a paragraph (found by a larger random run).
  texts.push('- \n\nPlain.', 'Plain.\n\n- a\n- \n', '- \n- a', '1) \n\n- \n');
  const { plain } = expectMicromarkTrees(texts);
  expect(plain).toBeGreaterThan(texts.length / 5);
});

test('only what is not plain goes to micromark', () => {
  const list = '* one\n* two';
  const { rest } = parsed(
    `A paragraph with **strong** and [a link](https://e.org).\n\n${list}\n\nAnother one.\n`,
  );
  // With the blank lines after it, as they can decide where its last block ends.
  expect(rest).toEqual([`${list}\n\n`]);
  expect(parsed('Words\nover two lines.\n\nAnd more.').rest).toEqual([]);
  // A tight list of plain items, which nothing around it can join, is read here too.
  expect(parsed('Plain.\n\n- one\n- **two**\n\n# Heading').rest).toEqual(['# Heading']);
  // A list after one it could join (a loose list of both), or before indented text, is not.
  expect(parsed('- one\n\n- two').rest).toEqual(['- one\n\n- two']);
  expect(parsed('Text\n- one\n\n- two\n\nPlain.').rest).toEqual(['Text\n- one\n\n- two\n\n']);
  expect(parsed('- one\n\n  more\n\nPlain.').rest).toEqual(['- one\n\n  more\n\n']);
  // Anything that can reach across a blank line sends the whole text.
  for (const whole of [
    'a\n\n```\nb\n\nc\n```',
    'a [b]\n\n[b]: https://e.org',
    'a\n\n<pre>\n\nb</pre>',
    'a\r\n\r\nb',
  ])
    expect(parsed(whole).rest).toEqual([whole]);
  // A block with anything else is micromark's, the plain ones around it are not.
  for (const block of [
    'a &amp; b',
    'see www.e.org',
    'mail a@e.org',
    '1. first',
    '2020. A year',
    'a  \nb',
    '*a*',
  ])
    expect(parsed(`Plain.\n\n${block}\n\nPlain.`).rest).toEqual([`${block}\n\n`]);
});
