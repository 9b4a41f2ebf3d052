import type { MjmlBlockText } from './mjml-split.js';
import { blockJson, type MjmlNode } from './block-key.js';

/**
 * The content of the tags MJML writes out as it is, set aside from a block before the block is keyed
 * and laid out (mjml-memo.ts), and put back into its HTML afterwards. mj-text, mj-button, mj-table and
 * mj-raw each print their content once, trimmed, and read nothing else from it (their `render` in
 * mjml 5), so a block's layout does not depend on what they hold. Without this, a meetings section
 * with one more meeting or an item with one more link was a block never seen before: the corpus laid
 * out one new block per issue, each costing as much as MJML on a small email.
 *
 * A tag not on this list keeps its content in the key. Whether a laid-out block really holds each
 * stand-in once is checked every time one is laid out (`holdsEachOnce`): if not, it is laid out
 * with its content, and keyed with its content from then on.
 */
const VERBATIM_TAGS = new Set(['mj-text', 'mj-button', 'mj-table', 'mj-raw']);

/** Whether MJML prints what a `tagName` element holds as it is, once, between its own tags. */
export function printsContentAsIs(tagName: string): boolean {
  return VERBATIM_TAGS.has(tagName);
}

/**
 * A stand-in is a number between two private-use characters (U+E002, U+E003): MJML joins some
 * attributes (a navbar's `base-url` and a link's `href`), so a stand-in made of ordinary characters
 * could be put together from pieces of the template. A template holding either character gets none.
 */
const OPEN = '\uE002';
const CLOSE = '\uE003';
const STAND_IN = /\uE002(\d+)\uE003/g;

/** Whether stand-ins can be told apart in the MJML `source`: it holds neither of their characters. */
export function standInsPossible(source: string): boolean {
  return !source.includes(OPEN) && !source.includes(CLOSE);
}

export interface SetAside {
  /** The block with each verbatim content replaced by a numbered stand-in. */
  node: MjmlNode;
  /** The contents, by stand-in number (document order). */
  contents: string[];
}

/** The block with its verbatim contents set aside, or undefined when it has none. */
export function setAsideContents(block: MjmlNode): SetAside | undefined {
  const contents: string[] = [];
  const standIns = (node: MjmlNode): MjmlNode => {
    if (isVerbatim(node)) {
      contents.push(node.content);
      return { ...node, content: standIn(contents.length - 1) };
    }
    return node.children ? { ...node, children: node.children.map(standIns) } : node;
  };
  const node = standIns(block);
  return contents.length > 0 ? { node, contents } : undefined;
}

/**
 * The JSON of the block `setAsideContents` makes (`blockJson`) and its contents, written from the
 * block itself: making the block first took as long again.
 */
export function jsonWithContentsAside(block: MjmlNode): { json: string; contents: string[] } | undefined {
  const contents: string[] = [];
  const json = blockJson(block, (node) => {
    if (!isVerbatim(node)) return node.content!;
    contents.push(node.content);
    return standIn(contents.length - 1);
  });
  return contents.length > 0 ? { json, contents } : undefined;
}

function isVerbatim(node: MjmlNode): node is MjmlNode & { content: string } {
  return printsContentAsIs(node.tagName) && typeof node.content === 'string' && node.content !== '';
}

/** The stand-in for content number `number` of a block. */
export function standIn(number: number): string {
  return `${OPEN}${number}${CLOSE}`;
}

/** Whether `text` holds the stand-ins 0 to count - 1 each exactly once, and no other. */
export function holdsEachOnce(text: string, count: number): boolean {
  const seen = new Array<number>(count).fill(0);
  for (const [, number] of text.matchAll(STAND_IN)) {
    const index = Number(number);
    if (!(index < count) || ++seen[index]! > 1) return false;
  }
  return seen.every((times) => times === 1);
}

/** Whether `text` holds any stand-in (what a block asked of the head must not). */
export function holdsStandIn(text: string): boolean {
  return text.includes(OPEN);
}

/** The HTML with each stand-in replaced by its content. */
export function putBack(html: string, contents: readonly string[]): string {
  return html.replace(STAND_IN, (standIn, number: string) => contents[Number(number)] ?? standIn);
}

/**
 * A block's MJML text with its verbatim contents set aside as `setAsideContents` sets them aside from
 * the parsed block: each content as mjml-parser-xml takes it (trimmed, and none when blank) replaced
 * in the text by its stand-in. Two blocks with the same text so parse the same but for those contents.
 */
export function textWithContentsAside({ text, kept }: MjmlBlockText): { text: string; contents: string[] } {
  const contents: string[] = [];
  let hollow = '';
  let from = 0;
  for (const { tagName, start, end } of kept) {
    const content = text.slice(start, end).trim();
    if (!printsContentAsIs(tagName) || content === '') continue;
    hollow += text.slice(from, start) + standIn(contents.length);
    contents.push(content);
    from = end;
  }
  return { text: contents.length > 0 ? hollow + text.slice(from) : text, contents };
}
