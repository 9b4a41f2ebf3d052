import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import matter from 'gray-matter';
import type { Root } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';
import { generateCorpus } from '../scripts/generate-corpus.js';
import { parseMarkdown } from '../src/render/markdown.js';
import { gfmSyntaxFor } from '../src/render/markdown-syntax.js';
import { repoRoot } from './helpers/cli.js';

/**
 * Parsing with the constructs a text cannot use left out (src/render/markdown-syntax.ts) must give
 * the very tree full GFM gives (what remark-parse with remark-gfm made before), positions included.
 */
const gfmSyntax = gfm();
const gfmTrees = gfmFromMarkdown();
const fullGfm = (text: string): Root =>
  fromMarkdown(text, { extensions: [gfmSyntax], mdastExtensions: [gfmTrees] });

function markdownFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.md'))
    .map((path) => join(dir, path));
}

function expectSameTrees(texts: readonly string[]): void {
  // jest's own deep equality takes a second per thousand trees: compare first, show the differences.
  const differing = texts.filter((text) => !isDeepStrictEqual(parseMarkdown(text), fullGfm(text)));
  for (const text of differing.slice(0, 3))
    expect({ text, tree: parseMarkdown(text) }).toEqual({ text, tree: fullGfm(text) });
  expect(differing).toEqual([]);
}

test('the sample bulletins and every Markdown fixture parse to the same trees as full GFM', () => {
  const files = [
    ...markdownFilesUnder(join(repoRoot, 'bulletins')),
    ...markdownFilesUnder(join(repoRoot, '__tests__', 'fixtures')),
  ];
  expect(files.length).toBeGreaterThan(50);
  // Whole files too: front matter and all, as an author's mistake can put it in a body.
  expectSameTrees(
    files.flatMap((file) => {
      const source = readFileSync(file, 'utf8');
      try {
        return [source, matter(source).content];
      } catch {
        return [source]; // a bad-input fixture's broken front matter
      }
    }),
  );
});

test('a corpus of the benchmark shape parses to the same trees as full GFM', async () => {
  const work = mkdtempSync(join(tmpdir(), 'bulletin-syntax-'));
  try {
    await generateCorpus(work, { issues: 30 });
    const bodies = markdownFilesUnder(join(work, 'bulletins')).map(
      (file) => matter(readFileSync(file, 'utf8')).content,
    );
    expect(bodies.length).toBeGreaterThan(300);
    expectSameTrees(bodies);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('random texts of the characters the left-out constructs turn on parse the same', () => {
  // Letters of www, http(s) and words, the characters of emails, URLs and tables, and Markdown's own.
  const alphabet = [...'awWhHtTpPsS.:/@|-+_ \n\t[]^()*~`<>!#\\&;0'];
  let seed = 0x5eed;
  const random = () => {
    // Math.imul: a plain product passes 2^53 and loses the low bits, and the sequence repeats early.
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
  const texts: string[] = [];
  for (let count = 0; count < 5_000; count++) {
    const length = 1 + Math.floor(random() * 40);
    let text = '';
    for (let index = 0; index < length; index++) text += alphabet[Math.floor(random() * alphabet.length)];
    texts.push(text);
  }
  // Texts that come near each left-out construct without its needed sequence, and with it.
  texts.push(
    'www',
    'wwwx.org',
    'www.',
    'http:/x',
    'https:x.org',
    'http://',
    'a@',
    '@b',
    'a\n---',
    'a\n:',
    'a\n-:',
  );
  expectSameTrees(texts);
});

test('the constructs are left out only where they cannot match', () => {
  const kinds = (text: string) => {
    const types = new Set<string>();
    const visit = (node: { type: string; children?: unknown[] }) => {
      types.add(node.type);
      for (const child of node.children ?? []) visit(child as typeof node);
    };
    visit(parseMarkdown(text));
    return types;
  };
  expect(kinds('mail team@wyh.example')).toContain('link');
  expect(kinds('see www.wyh.example')).toContain('link');
  expect(kinds('see HTTPS://wyh.example')).toContain('link');
  expect(kinds('a\n:-')).toContain('table');
  expect(kinds('| a |\n| - |')).toContain('table');
  expect(kinds('plain words, no link')).not.toContain('link');
  // One extension object per set of left-out constructs, not one per text.
  expect(gfmSyntaxFor('one text')).toBe(gfmSyntaxFor('another text'));
  expect(gfmSyntaxFor('one text')).not.toBe(gfmSyntaxFor('a@b.example'));
});
