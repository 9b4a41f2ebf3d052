import type { Element, Parents as HastParents, Root as HastRoot } from 'hast';
import type { Root as MdastRoot } from 'mdast';
import { toHtml } from 'hast-util-to-html';
import rehypeSanitize, { defaultSchema } from 'rehype-sanitize';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';
import { visitType } from '../support/walk-tree.js';
import { EMAIL_CONTENT_WIDTH, fitWidth, type ImageSizes } from './image-sizes.js';
import { palette } from './palette.js';
import { parseUrl } from '../support/errors.js';
import { gfmSyntaxFor } from './markdown-syntax.js';
import { overlongLazyQuote } from './lazy-quote.js';
import { parseWithPlainParagraphs } from './plain-paragraphs.js';

// remark-parse with remark-gfm, called directly: the syntax differs per text (markdown-syntax.ts).
const gfmTrees = [gfmFromMarkdown()];

/** GitHub's schema: no script, no event handlers, no javascript: URLs (task-list checkboxes stay). */
const sanitizeSchema = defaultSchema;

// rehype-sanitize adds the `user-content-` prefix to ids; remark-rehype must not add it too.
const toHastPlain = unified().use(remarkRehype, { clobberPrefix: '' }).use(rehypeSanitize, sanitizeSchema);

/**
 * The same with the body's raw HTML parsed (rehype-raw, which re-parses the whole tree through
 * parse5): only for a body that has some. Loaded only then too (`loadRawHtmlSupport`): rehype-raw
 * and parse5 take ~60 ms to load and most issues have no raw HTML at all; a cold build of one such
 * issue (`--no-cache`) took 970 ms without loading them, 1,010 ms with (medians of 8 pairs).
 */
let toHastWithRaw: { runSync(tree: MdastRoot): unknown } | undefined;
let loadingRaw: Promise<void> | undefined;

/** Loads what `renderMarkdown` needs for a body with raw HTML; it is synchronous, so it is awaited first. */
export function loadRawHtmlSupport(): Promise<void> {
  loadingRaw ??= import('rehype-raw').then(({ default: rehypeRaw }) => {
    toHastWithRaw = unified()
      .use(remarkRehype, { allowDangerousHtml: true, clobberPrefix: '' })
      .use(rehypeRaw)
      .use(rehypeSanitize, sanitizeSchema);
  });
  return loadingRaw;
}

/** One body in every HTML form the outputs need, made from one tree without copying it. */
export interface RenderedMarkdown {
  mdast: MdastRoot;
  /** Sanitized, absolute URLs, headings as written: feeds. */
  html: string;
  /** The same with its headings moved down to start at `webHeadingTop`: the archive page. */
  webHtml: string;
  /** The same with inline styles and no form controls: the email. */
  emailHtml: string;
}

let parses = 0;

export function parseMarkdown(markdown: string): MdastRoot {
  parses++;
  return parseWithPlainParagraphs(markdown, parseWithMicromark);
}

/** micromark with GFM, for whatever plain-paragraphs.ts does not read itself. */
export function parseWithMicromark(markdown: string): MdastRoot {
  return fromMarkdown(markdown, { extensions: [gfmSyntaxFor(markdown)], mdastExtensions: gfmTrees });
}

/** How many Markdown texts were parsed since the process started. */
export function markdownParses(): number {
  return parses;
}

const parsedBodies = new WeakMap<object, MdastRoot>();

/**
 * Trees by the text they were parsed from, most recent last, for a process that reads the same files
 * again and again (the preview rebuilds every file of an issue on each save). Off unless asked for:
 * a build or a check reads each file once. Nothing changes a tree once parsed (the renderers build
 * HTML trees of their own from it), so a tree serves every body with the same text.
 */
const bodiesByText = new Map<string, MdastRoot>();
let bodiesByTextLimit = 0;

/** Keeps the trees of the last `limit` distinct bodies (0: none); returns the limit it replaces. */
export function rememberBodiesByText(limit: number): number {
  const previous = bodiesByTextLimit;
  bodiesByTextLimit = limit;
  if (limit === 0) bodiesByText.clear();
  return previous;
}

/**
 * Parses a file's body once, however many checks and renderers ask for its tree. A body too costly
 * to parse (lazy-quote.ts) is not parsed: its tree is empty, and the source checks report it as an
 * error, so nothing is made from it.
 */
export function parseBodyOf(owner: object, markdown: string): MdastRoot {
  let tree = parsedBodies.get(owner);
  if (!tree) {
    tree = overlongLazyQuote(markdown) ? { type: 'root', children: [] } : bodyByText(markdown);
    parsedBodies.set(owner, tree);
  }
  return tree;
}

function bodyByText(markdown: string): MdastRoot {
  if (bodiesByTextLimit === 0) return parseMarkdown(markdown);
  const known = bodiesByText.get(markdown);
  // Moved to the end, so the oldest is first to go.
  if (known) bodiesByText.delete(markdown);
  const tree = known ?? parseMarkdown(markdown);
  bodiesByText.set(markdown, tree);
  while (bodiesByText.size > bodiesByTextLimit) bodiesByText.delete(bodiesByText.keys().next().value!);
  return tree;
}

/**
 * Markdown -> sanitized HTML. Relative links and images resolve against `baseUrl` (the issue's
 * archive address), because an email has no address of its own to resolve them against.
 */
export function renderMarkdown(
  source: string | MdastRoot,
  baseUrl: string,
  webHeadingTop = 1,
  imageSizes: ImageSizes = new Map(),
): RenderedMarkdown {
  const mdast = typeof source === 'string' ? parseMarkdown(source) : source;
  let hasRawHtml = false;
  visitType(mdast, 'html', () => {
    hasRawHtml = true;
  });
  if (hasRawHtml && !toHastWithRaw)
    throw new Error(
      'renderMarkdown met raw HTML before loadRawHtmlSupport() was awaited (render-issue.ts: loadRendererFor)',
    );
  const hast = (hasRawHtml && toHastWithRaw ? toHastWithRaw : toHastPlain).runSync(mdast) as HastRoot;
  visitType(hast, 'element', (node: Element) => {
    for (const attribute of ['href', 'src'] as const) {
      const value = node.properties[attribute];
      if (typeof value === 'string' && value !== '' && !value.startsWith('#'))
        node.properties[attribute] = absolute(value, baseUrl);
    }
    // The published copy's size, so the page keeps the image's place before it loads.
    const size = node.tagName === 'img' ? imageSizes.get(String(node.properties.src)) : undefined;
    if (size) Object.assign(node.properties, size);
  });
  const html = toHtml(hast);
  const undoMove = moveHeadings(hast, webHeadingTop);
  const webHtml = undoMove ? toHtml(hast) : html;
  undoMove?.();
  // Last, because it changes the tree in place.
  return { mdast, html, webHtml, emailHtml: emailHtml(hast, imageSizes) };
}

const emailStyles: Record<string, string> = {
  // display:block: no gap under the image in the mail apps that draw it inline on a text baseline.
  img: 'display:block;max-width:100%;height:auto;border:0;',
  table: 'border-collapse:collapse;width:100%;margin:0 0 16px;',
  th: `border:1px solid ${palette.tableRule};padding:6px 8px;text-align:left;background:${palette.tableHead};`,
  td: `border:1px solid ${palette.tableRule};padding:6px 8px;vertical-align:top;`,
  blockquote: `margin:0 0 16px;padding:0 0 0 12px;border-left:4px solid ${palette.tableRule};color:${palette.quote};`,
  a: `color:${palette.brand};text-decoration:underline;`,
  h2: 'font-size:20px;line-height:1.3;margin:20px 0 8px;',
  h3: 'font-size:18px;line-height:1.3;margin:18px 0 8px;',
  h4: 'font-size:16px;line-height:1.3;margin:16px 0 8px;',
  p: 'margin:0 0 14px;',
  ul: 'margin:0 0 14px;padding-left:22px;',
  ol: 'margin:0 0 14px;padding-left:22px;',
};

/**
 * The same fragment for email: mail clients ignore most <style> blocks, so each element carries
 * its style inline. Content headings start at h2 (the email's own h1 is the issue title).
 */
function emailHtml(hast: HastRoot, imageSizes: ImageSizes): string {
  sizeEmailImages(hast, imageSizes, EMAIL_CONTENT_WIDTH);
  visitType(hast, 'element', (node: Element, index, parent: HastParents | undefined) => {
    if (node.tagName === 'input' && parent && index !== undefined) {
      // Mail clients drop form controls: a task-list checkbox becomes a ballot box character.
      parent.children[index] = { type: 'text', value: node.properties.checked ? '☑' : '☐' };
      return;
    }
    if (node.tagName === 'h1') node.tagName = 'h2';
    const style = emailStyles[node.tagName];
    if (style) node.properties.style = style;
  });
  return toHtml(hast);
}

/** How much each block narrows the column an image inside it has (its style above). */
const indentOf: Record<string, number> = { ul: 22, ol: 22, blockquote: 16 };

/**
 * Width and height attributes for every image whose size is known, scaled to the column it sits
 * in: Outlook for Windows ignores max-width and would draw a 1200 px image at 1200 px.
 */
function sizeEmailImages(node: HastRoot | Element, imageSizes: ImageSizes, column: number): void {
  for (const child of node.children) {
    if (child.type !== 'element') continue;
    if (child.tagName === 'img') {
      const known = imageSizes.get(String(child.properties.src));
      const written = { width: Number(child.properties.width), height: Number(child.properties.height) };
      const size = known ?? (written.width > 0 && written.height > 0 ? written : undefined);
      if (size) Object.assign(child.properties, fitWidth(size, column));
      else if (written.width > column) child.properties.width = column;
    }
    sizeEmailImages(child, imageSizes, column - (indentOf[child.tagName] ?? 0));
  }
}

function absolute(url: string, base: string): string {
  return parseUrl(url, base)?.href ?? url;
}

/**
 * Moves headings so the highest is `top` (h1 in an item under an h4 becomes h5; an item that
 * starts at ### under the page's h1 rises to h2), so a page's headings never skip a level. Returns how to
 * undo it, or undefined when nothing had to move.
 */
function moveHeadings(hast: HastRoot, top: number): (() => void) | undefined {
  let highest = 7;
  visitType(hast, 'element', (node: Element) => {
    const level = headingLevel(node);
    if (level && level < highest) highest = level;
  });
  if (highest === 7 || highest === top) return undefined;
  const shift = top - highest;
  const moved: [Element, string][] = [];
  visitType(hast, 'element', (node: Element) => {
    const level = headingLevel(node);
    if (level) {
      moved.push([node, node.tagName]);
      node.tagName = `h${Math.max(1, Math.min(6, level + shift))}`;
    }
  });
  return () => {
    for (const [node, tagName] of moved) node.tagName = tagName;
  };
}

function headingLevel(node: Element): number | undefined {
  const match = /^h([1-6])$/.exec(node.tagName);
  return match ? Number(match[1]) : undefined;
}
