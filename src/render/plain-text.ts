import type { Nodes, Parents, PhrasingContent, Root, RootContent, Table } from 'mdast';
import { parseUrl } from '../support/errors.js';

/**
 * Markdown tree -> the text/plain part. Written by hand because the libraries that do this start
 * from HTML (html-to-text) or drop link targets (strip-markdown); a reader of the text part needs
 * the URLs, list structure and headings that only the Markdown tree still has.
 */
export function markdownToText(root: Root, options: { baseUrl?: string; width?: number } = {}): string {
  baseUrl = options.baseUrl;
  return blocks(root.children, options.width ?? 72)
    .join('\n\n')
    .trim();
}

/** Set per call; the walk below is synchronous, so one module-level value is safe. */
let baseUrl: string | undefined;

/** Relative links resolve against the archive page; script URLs are dropped, as in the HTML. */
function target(url: string): string | undefined {
  if (/^\s*(javascript|vbscript|data):/i.test(url)) return undefined;
  if (!baseUrl) return url;
  return parseUrl(url, baseUrl)?.href ?? url;
}

function blocks(nodes: readonly RootContent[], width: number): string[] {
  return nodes.map((node) => block(node, width)).filter((text) => text.trim() !== '');
}

function block(node: RootContent, width: number): string {
  switch (node.type) {
    case 'heading':
      return underline(wrap(inline(node.children), width), node.depth === 1 ? '=' : '-');
    case 'paragraph':
      return wrap(inline(node.children), width);
    case 'list':
      return node.children
        .map((item, i) => {
          const marker = node.ordered ? `${(node.start ?? 1) + i}. ` : '* ';
          const check = item.checked === true ? '[x] ' : item.checked === false ? '[ ] ' : '';
          const body = item.spread
            ? blocks(item.children, width - marker.length).join('\n\n')
            : blocks(item.children, width - marker.length).join('\n');
          return prefixLines(check + body, marker, ' '.repeat(marker.length));
        })
        .join(node.spread ? '\n\n' : '\n');
    case 'blockquote':
      return prefixLines(blocks(node.children, width - 2).join('\n\n'), '> ', '> ');
    case 'code':
      return prefixLines(node.value, '    ', '    ');
    case 'thematicBreak':
      return '-'.repeat(Math.min(20, width));
    case 'table':
      return table(node, width);
    case 'html':
      return stripTags(node.value);
    case 'definition':
    case 'footnoteDefinition':
      return '';
    default:
      return 'children' in node
        ? wrap(inline((node as Parents).children as PhrasingContent[]), width)
        : 'value' in node
          ? String(node.value)
          : '';
  }
}

function inline(nodes: readonly Nodes[]): string {
  return nodes.map(phrase).join('');
}

function phrase(node: Nodes): string {
  switch (node.type) {
    case 'text':
      return node.value.replace(/\s*\n\s*/g, ' ');
    case 'inlineCode':
      return node.value;
    case 'break':
      return '\n';
    case 'link': {
      const text = inline(node.children).trim();
      const url = target(node.url);
      if (!url) return text;
      if (`mailto:${text}` === url) return text;
      if (!text || text === url) return url;
      return `${text} (${url})`;
    }
    case 'image':
      return node.alt ? `[Image: ${node.alt}]` : '';
    case 'footnoteReference':
      return `[${node.identifier}]`;
    case 'html':
      return stripTags(node.value);
    default:
      return 'children' in node
        ? inline((node as Parents).children as Nodes[])
        : 'value' in node
          ? String(node.value)
          : '';
  }
}

function table(node: Table, width: number): string {
  const rows = node.children.map((row) => row.children.map((cell) => inline(cell.children).trim()));
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  const line = (row: string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join(' | ')
      .trimEnd();
  const [head, ...rest] = rows;
  if (!head) return '';
  const lines = [line(head), widths.map((w) => '-'.repeat(w)).join('-+-'), ...rest.map(line)];
  if (lines.every((text) => [...text].length <= width)) return lines.join('\n');
  // Too wide to line up within the width: each row on its own, every cell after its heading.
  return rest
    .map((row) => row.map((cell, i) => wrap(`${head[i] ?? ''}: ${cell}`, width)).join('\n'))
    .join('\n\n');
}

/** Greedy word wrap; a word longer than the line (a URL) stays whole rather than being broken. */
export function wrap(text: string, width: number): string {
  return text
    .split('\n')
    .map((paragraphLine) => wrapParagraphLine(paragraphLine, width))
    .join('\n');
}

/**
 * One line wrapped: its words, split at runs of spaces, put on lines of at most `width` (a longer
 * word alone), one space between them. Where the words are one space apart already (the text of
 * every paragraph), each line is a slice of it, cut at the last space that fits: building the lines
 * word by word was ~0.1 s of a cold `build --all` of 520 issues (perf, the prepare worker).
 */
function wrapParagraphLine(line: string, width: number): string {
  if (hasLooseSpaces(line)) return wrapWords(line.split(/ +/).filter(Boolean), width);
  if (line.length <= width) return line;
  const lines: string[] = [];
  let start = 0;
  while (line.length - start > width) {
    let cut = line.lastIndexOf(' ', start + width);
    // No space within the width: the first word is longer than a line, and goes on one alone.
    if (cut <= start) cut = line.indexOf(' ', start + 1);
    if (cut === -1) break;
    lines.push(line.slice(start, cut));
    start = cut + 1;
  }
  lines.push(line.slice(start));
  return lines.join('\n');
}

/** Leading or trailing spaces, or two in a row: words to be split apart. */
function hasLooseSpaces(line: string): boolean {
  return line.startsWith(' ') || line.endsWith(' ') || line.includes('  ');
}

/** The greedy wrap, word by word: each line filled while the next word fits (tested against `wrap`). */
export function wrapWords(words: readonly string[], width: number): string {
  const lines: string[] = [];
  let current = '';
  for (const word of words) {
    if (current && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  if (current) lines.push(current);
  return lines.join('\n');
}

/**
 * Every heading of the text part is written one way: its line(s), then a line of `=` (the top
 * level) or `-` as long as its longest line.
 */
export function underline(heading: string, char: '=' | '-'): string {
  return `${heading}\n${ruleUnder(heading, char)}`;
}

export function ruleUnder(heading: string, char: '=' | '-'): string {
  return char.repeat(Math.max(...heading.split('\n').map((line) => [...line].length)));
}

/** The text part's line length (RFC 5322 2.1.1: no more than 78 characters). */
export const TEXT_WIDTH = 78;

const INDENT_AND_MARKER = /^((?:> ?)*)( *(?:(?:[*-]|\d+\.) )?)/;

/**
 * Wraps each line longer than the text width, continuing under its indent, list marker or quote,
 * and leaves the others alone. Run on the finished text, after the per-recipient fill, because
 * an address or a name filled into a line can take it over the width. It runs once per message, so
 * only the long lines are visited and copied. A line of more than `width` characters is one of more
 * than `width` UTF-16 units (a character is one or two), so lengths are compared without counting
 * characters first. Lines are found with indexOf: a multiline regex (`^[^\n]{79,}$`) took 16 times
 * as long over a 14 KB text part, a quarter of the per-message work of a send.
 */
export function wrapLongLines(text: string, width = TEXT_WIDTH): string {
  let wrapped = '';
  let copiedTo = 0;
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    if (end - start > width) {
      const line = text.slice(start, end);
      const lines = wrapLine(line, width);
      if (lines !== line) {
        wrapped += text.slice(copiedTo, start) + lines;
        copiedTo = end;
      }
    }
    start = end + 1;
  }
  return copiedTo === 0 ? text : wrapped + text.slice(copiedTo);
}

function wrapLine(line: string, width: number): string {
  if (characters(line) <= width) return line;
  const [prefix = '', quote = '', marker = ''] = INDENT_AND_MARKER.exec(line) ?? [];
  const hanging = quote + ' '.repeat(marker.length);
  const wrapped = wrap(line.slice(prefix.length), Math.max(20, width - [...prefix].length));
  return wrapped
    .split('\n')
    .map((part, i) => (i === 0 ? prefix : hanging) + part)
    .join('\n');
}

/** The code points of a string, without spreading it into an array. */
function characters(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is one character in two units.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--;
        i++;
      }
    }
  }
  return count;
}

function prefixLines(text: string, first: string, rest: string): string {
  return text
    .split('\n')
    .map((line, i) => (line === '' ? rest.trimEnd() : (i === 0 ? first : rest) + line))
    .join('\n');
}

function stripTags(html: string): string {
  return html
    .replace(/<(script|style)\b[\s\S]*?(<\/\1\s*>|$)/gi, '')
    .replace(/<[^>]*>/g, '')
    .trim();
}

const PARAGRAPH_BREAK = /\n\s*\n/;

/** The first paragraph of a text, cut at a word near `max` characters. */
export function textExcerpt(text: string, max = 220): string {
  // The first paragraph, found without splitting the whole text into paragraphs.
  const end = PARAGRAPH_BREAK.exec(text)?.index ?? text.length;
  const first = text.slice(0, end).replace(/\s+/g, ' ').trim();
  if (first.length <= max) return first;
  return `${first.slice(0, first.lastIndexOf(' ', max)).replace(/[,;:.]$/, '')}…`;
}
