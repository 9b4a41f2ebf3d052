import type { Element, Root as HastRoot } from 'hast';
import type { Root as MdastRoot } from 'mdast';
import { toHtml } from 'hast-util-to-html';
import rehypeRaw from 'rehype-raw';
import rehypeSanitize, { defaultSchema } from 'rehype-sanitize';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';

const parser = unified().use(remarkParse).use(remarkGfm);

/** GitHub's schema: no script, no event handlers, no javascript: URLs (task-list checkboxes stay). */
const sanitizeSchema = defaultSchema;

const toHast = unified()
  .use(remarkRehype, { allowDangerousHtml: true })
  .use(rehypeRaw)
  .use(rehypeSanitize, sanitizeSchema);

export interface RenderedMarkdown {
  mdast: MdastRoot;
  hast: HastRoot;
  /** Sanitized HTML with absolute URLs, for the web archive. */
  html: string;
}

export function parseMarkdown(markdown: string): MdastRoot {
  return parser.parse(markdown);
}

/**
 * Markdown -> sanitized HTML. Relative links and images resolve against `baseUrl` (the issue's
 * archive address), because an email has no address of its own to resolve them against.
 */
export function renderMarkdown(markdown: string, baseUrl: string): RenderedMarkdown {
  const mdast = parseMarkdown(markdown);
  const hast = toHast.runSync(structuredClone(mdast)) as HastRoot;
  visit(hast, 'element', (node: Element) => {
    for (const attribute of ['href', 'src'] as const) {
      const value = node.properties[attribute];
      if (typeof value === 'string' && value !== '' && !value.startsWith('#')) node.properties[attribute] = absolute(value, baseUrl);
    }
  });
  return { mdast, hast, html: toHtml(hast) };
}

const emailStyles: Record<string, string> = {
  img: 'max-width:100%;height:auto;border:0;',
  table: 'border-collapse:collapse;width:100%;margin:0 0 16px;',
  th: 'border:1px solid #c8ccd4;padding:6px 8px;text-align:left;background:#f2f4f7;',
  td: 'border:1px solid #c8ccd4;padding:6px 8px;vertical-align:top;',
  blockquote: 'margin:0 0 16px;padding:0 0 0 12px;border-left:4px solid #c8ccd4;color:#4a4f57;',
  a: 'color:#005eb8;text-decoration:underline;',
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
export function emailHtml(hast: HastRoot): string {
  const copy = structuredClone(hast);
  visit(copy, 'element', (node: Element, index, parent) => {
    if (node.tagName === 'input' && parent && index !== undefined) {
      // Mail clients drop form controls: a task-list checkbox becomes a ballot box character.
      parent.children[index] = { type: 'text', value: node.properties.checked ? '☑' : '☐' };
      return;
    }
    if (node.tagName === 'h1') node.tagName = 'h2';
    const style = emailStyles[node.tagName];
    if (style) node.properties.style = style;
  });
  return toHtml(copy);
}

function absolute(url: string, base: string): string {
  try {
    return new URL(url, base).href;
  } catch {
    return url;
  }
}

/**
 * The fragment with its headings moved down so the highest is `top` (h1 in an item under an h4
 * becomes h5): a page's headings then stay in order, whatever level the writer started at.
 */
export function htmlWithHeadingsFrom(hast: HastRoot, top: number): string {
  let highest = 7;
  visit(hast, 'element', (node: Element) => {
    const level = headingLevel(node);
    if (level && level < highest) highest = level;
  });
  if (highest === 7 || highest >= top) return toHtml(hast);
  const shift = top - highest;
  const copy = structuredClone(hast);
  visit(copy, 'element', (node: Element) => {
    const level = headingLevel(node);
    if (level) node.tagName = `h${Math.min(6, level + shift)}`;
  });
  return toHtml(copy);
}

function headingLevel(node: Element): number | undefined {
  const match = /^h([1-6])$/.exec(node.tagName);
  return match ? Number(match[1]) : undefined;
}
