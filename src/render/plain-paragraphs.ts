import type {
  Link,
  List,
  ListItem,
  Paragraph,
  PhrasingContent,
  Root,
  RootContent,
  Strong,
  Text,
} from 'mdast';
import type { Point } from 'unist';
import { classifyCharacter } from 'micromark-util-classify-character';

/**
 * The tree of a Markdown text whose paragraphs are plain prose, with those paragraphs read here and
 * only the rest handed to micromark (`parseRest`, run on each stretch of other blocks in turn).
 *
 * micromark tries every construct it knows at every character: 5.4 MB of bulletin bodies took it
 * ~2 s to tokenize and ~1 s more to make trees, most of a cold `check --all`. Most of those bytes
 * are paragraphs of words, links and bold text, which can mean only one thing. No library makes
 * mdast (with positions, which every problem report points with) faster than micromark, so this
 * module reads that one kind of paragraph itself and gives up, to micromark, on anything else:
 *
 * - the whole text, when anything in it can reach across a blank line or from one block into
 *   another (fenced code, an HTML block that ends only at its closing tag, a definition that links
 *   elsewhere resolve to), or when it has characters whose handling differs by position (tabs,
 *   carriage returns, controls, a byte-order mark);
 * - a block (lines between blank lines) unless every line starts with a letter or digit (or `"`,
 *   `'`, `(`, `[`, `**`, or any character beyond ASCII but a space), never with an ordered-list
 *   marker, ends without a space, and the inline text is words with `**strong**` and
 *   `[text](address)` only: no other Markdown character at all (`\`, `` ` ``, `<`, `&`, `_`, `~`,
 *   `|`, a lone `*`, `![`), and nothing a GFM autolink literal could start from (`@`, `www.`,
 *   `http://`) outside link addresses.
 *
 * A blank line ends every construct such a block could otherwise belong to, and a block that starts
 * at the margin with a letter is a paragraph wherever it is, so the blocks can be read one at a time.
 *
 * A tight bullet list whose every line is `- ` and a plain one-line paragraph is read here too
 * (bulletins' lists are; micromark took ~0.4 ms over each, most of what it still did), unless a
 * block beside it could make one loose list with it or go on from its last item (`closesLists`).
 * The trees are the same as micromark's, positions and key order included:
 * `plain-paragraphs.test.ts` compares them for the corpus, every fixture and random texts.
 */
export function parseWithPlainParagraphs(text: string, parseRest: (text: string) => Root): Root {
  if (CROSSES_BLOCKS.test(text)) return parseRest(text);
  const lines = new LineIndex(text);
  const children: RootContent[] = [];
  let plainFound = false;
  let rest: { start: number; line: number } | undefined;
  // A stretch goes to micromark with the blank lines after it: where the last of its blocks ends
  // can depend on them (indented code takes in a line of four spaces, a list item a lazy HTML line).
  const flushRest = (end: number) => {
    if (!rest) return;
    const {
      type: _type,
      children: parsed,
      position: _position,
      ...marks
    } = parseRest(text.slice(rest.start, end));
    for (const child of parsed) children.push(shifted(child, rest.line - 1, rest.start));
    // What micromark wrote on a stretch's root it would have written on the whole text's: a task
    // check `[x]` after an empty item (`-\n[x] a`) is a paragraph's at the root, and marks the root.
    Object.assign(rootMarks, marks);
    rest = undefined;
  };
  const rootMarks: Record<string, unknown> = {};
  const blocks = [...blocksOf(text)];
  for (const [index, block] of blocks.entries()) {
    const node =
      plainParagraph(text, block.start, block.end, lines) ??
      (closesLists(text, blocks[index - 1]) && closesLists(text, blocks[index + 1], 'first line')
        ? plainList(text, block.start, block.end, lines)
        : undefined);
    if (node) {
      plainFound = true;
      flushRest(block.start);
      children.push(node);
    } else rest ??= { start: block.start, line: block.line };
  }
  if (!plainFound) return parseRest(text);
  flushRest(text.length);
  return {
    type: 'root',
    children,
    position: { start: { line: 1, column: 1, offset: 0 }, end: lines.point(text.length) },
    ...rootMarks,
  };
}

/** Constructs that can run past a blank line or act on another block, and position-sensitive characters. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are among what it looks for
const CROSSES_BLOCKS = /[\0-\x08\x0B-\x1F\x7F\t\r\uFEFF]|```|~~~|\]:|<(?:script|pre|style|textarea|[!?])/i;

/**
 * Where a line may start for its block to be plain: a letter, a digit that is not an ordered-list
 * marker, `"`, `'`, `(`, `[`, `**` before a word, or any other character beyond ASCII but whitespace
 * (none of them starts a block construct).
 */
const PLAIN_LINE_START = /[A-Za-z"'([]|[0-9](?![0-9]*[.)])|\*\*[^\s*]|[^\0-\x7F\s]/uy;

/**
 * Characters with a meaning in inline Markdown other than `*`, `[` and `]` (checked as they come),
 * and a space at a line's end (a hard break, or trimmed), outside link addresses.
 */
const NOT_PLAIN = /[\\`<&_~|]|!\[| \n| $/;

/** What a GFM autolink literal needs to start from. */
const AUTOLINK_LITERAL = /@|www\.|https?:\/\//i;

/** A link address read as written: nothing to decode, no title, no brackets or spaces. */
const PLAIN_ADDRESS = /^[A-Za-z0-9\-._~*:/?#@!$+,;=%]+$/;

const STAR = 42;
const DASH = 45;

interface Block {
  start: number;
  end: number;
  line: number;
}

/** The lines between blank lines, as offsets into the text (each ending before its line break). */
function* blocksOf(text: string): Generator<Block> {
  let line = 1;
  let block: Block | undefined;
  for (let start = 0; start <= text.length; line++) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    if (isBlank(text, start, end)) {
      if (block) yield block;
      block = undefined;
    } else if (block) block.end = end;
    else block = { start, end, line };
    if (newline === -1) break;
    start = newline + 1;
  }
  if (block) yield block;
}

function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (text.charCodeAt(i) !== 32) return false;
  return true;
}

/**
 * Whether a `-` list in the block, or one before it, cannot go on past the blank lines after it (or
 * take in a list after it): a block that starts at the margin with anything but `-` ends every
 * open list, unless a line of its own starts one (`Text\n- item`). Checks only the block's first
 * line when it comes after the list. No block at all: the text's start or end.
 */
function closesLists(text: string, block: Block | undefined, only?: 'first line'): boolean {
  if (!block) return true;
  const first = text.charCodeAt(block.start);
  if (first === 32 || first === DASH) return false;
  if (only) return true;
  for (
    let at = text.indexOf('\n', block.start);
    at !== -1 && at < block.end;
    at = text.indexOf('\n', at + 1)
  ) {
    let start = at + 1;
    while (text.charCodeAt(start) === 32) start++;
    if (text.charCodeAt(start) === DASH) return false;
  }
  return true;
}

/**
 * The tight list the block is when every line is an item `- ` of one plain line (a block starting
 * at the margin, whose neighbours cannot join it: `closesLists`); else undefined.
 */
function plainList(text: string, start: number, end: number, lines: LineIndex): List | undefined {
  const items: ListItem[] = [];
  for (let lineStart = start; lineStart < end; ) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 || newline > end ? end : newline;
    // An empty item (`- `) is not a paragraph.
    if (
      text.charCodeAt(lineStart) !== DASH ||
      text.charCodeAt(lineStart + 1) !== 32 ||
      lineEnd <= lineStart + 2
    )
      return undefined;
    const paragraph = plainParagraph(text, lineStart + 2, lineEnd, lines);
    if (!paragraph) return undefined;
    items.push({
      type: 'listItem',
      spread: false,
      checked: null,
      children: [paragraph],
      position: lines.span(lineStart, lineEnd),
    });
    lineStart = lineEnd + 1;
  }
  return {
    type: 'list',
    ordered: false,
    start: null,
    spread: false,
    children: items,
    position: lines.span(start, end),
  };
}

/** The paragraph the block is, when it is plain prose (see the module's comment); else undefined. */
function plainParagraph(text: string, start: number, end: number, lines: LineIndex): Paragraph | undefined {
  const source = text.slice(start, end);
  for (let lineStart = 0; lineStart < source.length; ) {
    PLAIN_LINE_START.lastIndex = lineStart;
    if (!PLAIN_LINE_START.test(source)) return undefined;
    const newline = source.indexOf('\n', lineStart);
    if (newline === -1) break;
    lineStart = newline + 1;
  }
  const phrasing = plainPhrasing(source, start, lines);
  if (!phrasing) return undefined;
  return { type: 'paragraph', children: phrasing, position: lines.span(start, end) };
}

/** Words, `**strong**` and `[text](address)`; undefined at anything else. `prose` is all but the addresses. */
function plainPhrasing(source: string, base: number, lines: LineIndex): PhrasingContent[] | undefined {
  const children: PhrasingContent[] = [];
  let wordsFrom = 0;
  let prose = '';
  const words = (from: number, to: number) => {
    if (to > from) children.push(textNode(base + from, base + to, lines));
  };
  for (let i = 0; i < source.length; ) {
    const code = source.charCodeAt(i);
    if (code === STAR) {
      const close = strongEnd(source, i);
      if (close === undefined) return undefined;
      words(wordsFrom, i);
      prose += source.slice(wordsFrom, close + 2);
      const inner = textNode(base + i + 2, base + close, lines);
      const strong: Strong = {
        type: 'strong',
        children: [inner],
        position: lines.span(base + i, base + close + 2),
      };
      children.push(strong);
      i = wordsFrom = close + 2;
    } else if (code === 91 /* [ */) {
      const link = plainLink(source, i);
      if (!link) return undefined;
      words(wordsFrom, i);
      prose += source.slice(wordsFrom, link.labelEnd);
      const label = textNode(base + i + 1, base + link.labelEnd, lines);
      const node: Link = {
        type: 'link',
        title: null,
        url: link.address,
        children: [label],
        position: lines.span(base + i, base + link.end),
      };
      children.push(node);
      i = wordsFrom = link.end;
    } else if (code === 93 /* ] */) {
      return undefined;
    } else i++;
  }
  words(wordsFrom, source.length);
  prose += source.slice(wordsFrom);
  return NOT_PLAIN.test(prose) || AUTOLINK_LITERAL.test(prose) ? undefined : children;
}

/**
 * The offset of the `**` that closes the one at `open`, when the pair is strong emphasis for certain:
 * both runs exactly two stars, the first able to open and the second to close (CommonMark's
 * flanking rules, with micromark's own character classes), plain words between them.
 */
function strongEnd(source: string, open: number): number | undefined {
  if (source.charCodeAt(open + 1) !== STAR || source.charCodeAt(open + 2) === STAR) return undefined;
  if (!canOpen(codeAt(source, open - 1), codeAt(source, open + 2))) return undefined;
  const close = source.indexOf('*', open + 2);
  if (close === -1 || source.charCodeAt(close + 1) !== STAR || source.charCodeAt(close + 2) === STAR)
    return undefined;
  if (!canClose(codeAt(source, close - 1), codeAt(source, close + 2))) return undefined;
  const inner = source.slice(open + 2, close);
  return inner.includes('[') || inner.includes(']') ? undefined : close;
}

function canOpen(before: number | null, after: number | null): boolean {
  const afterClass = classifyCharacter(after);
  return !afterClass || (afterClass === 2 && Boolean(classifyCharacter(before)));
}

function canClose(before: number | null, after: number | null): boolean {
  const beforeClass = classifyCharacter(before);
  return !beforeClass || (beforeClass === 2 && Boolean(classifyCharacter(after)));
}

function codeAt(source: string, index: number): number | null {
  return index < 0 || index >= source.length ? null : source.charCodeAt(index);
}

/** `[text](address)` at `open` with plain text and a plain address; undefined otherwise. */
function plainLink(
  source: string,
  open: number,
): { labelEnd: number; address: string; end: number } | undefined {
  const labelEnd = source.indexOf(']', open + 1);
  if (labelEnd <= open + 1 || source.charCodeAt(labelEnd + 1) !== 40 /* ( */) return undefined;
  const label = source.slice(open + 1, labelEnd);
  if (label.includes('[') || label.includes('*') || label.startsWith('^')) return undefined;
  const close = source.indexOf(')', labelEnd + 2);
  if (close === -1) return undefined;
  const address = source.slice(labelEnd + 2, close);
  return PLAIN_ADDRESS.test(address) ? { labelEnd, address, end: close + 1 } : undefined;
}

function textNode(start: number, end: number, lines: LineIndex): Text {
  return { type: 'text', value: lines.text.slice(start, end), position: lines.span(start, end) };
}

/** Line and column of offsets in the text, as micromark counts them (UTF-16 units, from 1). */
class LineIndex {
  private readonly starts: number[] = [0];
  private last = 0;

  constructor(readonly text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  point(offset: number): Point {
    // Asked for in increasing order within a block; a search from the last answer is short.
    let index = this.last;
    while (index > 0 && this.starts[index]! > offset) index--;
    while (index + 1 < this.starts.length && this.starts[index + 1]! <= offset) index++;
    this.last = index;
    return { line: index + 1, column: offset - this.starts[index]! + 1, offset };
  }

  span(start: number, end: number): { start: Point; end: Point } {
    return { start: this.point(start), end: this.point(end) };
  }
}

/** A subtree parsed from a slice starting at a line's start, moved to where the slice was. */
function shifted<T extends RootContent>(node: T, lines: number, offset: number): T {
  const move = (point: Point): Point => ({
    line: point.line + lines,
    column: point.column,
    offset: (point.offset ?? 0) + offset,
  });
  const visit = (current: { position?: { start: Point; end: Point }; children?: unknown[] }) => {
    if (current.position)
      current.position = { start: move(current.position.start), end: move(current.position.end) };
    for (const child of current.children ?? []) visit(child as typeof current);
  };
  visit(node as never);
  return node;
}
