import type { Root as MdastRoot, Image, RootContent } from 'mdast';
import { toString as textOf } from 'mdast-util-to-string';
import { visitType } from '../support/walk-tree.js';
import type { Config, Issue, Item, MarkdownBody } from '../content/model.js';
import { measureLocalImage, type ImageSize } from './image-sizes.js';
import { parseBodyOf, renderMarkdown } from './markdown.js';
import { markdownToText, textExcerpt } from './plain-text.js';
import { isLocalImage, issueUrl } from './urls.js';

/**
 * One Markdown body in every form the outputs need, from a single parse. Plain data (strings
 * only), so a rendered issue can be cached on disk and reused while its files are unchanged.
 */
export interface RenderedBody {
  /** Sanitized, absolute URLs, headings as written: feeds. */
  html: string;
  /** The same with headings moved to fit under the page's own: the archive page. */
  webHtml: string;
  /** The same with inline styles: the email. */
  emailHtml: string;
  text: string;
  /** Images the body references from beside its file (relative paths, as written). */
  images: string[];
}

/** The issue without its files and Markdown: what the outputs need to know about it. */
export type IssueInfo = Omit<Issue, 'lead' | 'items'> & {
  /** issue.md, as displayed in reports. */
  source: string;
};
export type ItemInfo = Omit<Item, 'body'> & { source: string };

export interface RenderedIssue {
  issue: IssueInfo;
  /** The issue's page in the web archive ("view in browser"). */
  url: string;
  lead: RenderedBody;
  /**
   * With `lead: excerpt` (config or issue.md), the lead's first paragraphs for the email, which then links
   * to the archive page for the rest; absent in `full` mode, or when the whole lead is short enough already.
   */
  leadExcerpt?: RenderedBody;
  items: { item: ItemInfo; body: RenderedBody }[];
}

/**
 * A body's forms by its tree and everything else they are made of (the issue's address, the
 * heading level, the images' sizes as measured now). Trees are shared while their text is
 * unchanged (markdown.ts), so the preview renders again only the body that was saved.
 */
const renderedBodies = new WeakMap<MdastRoot, Map<string, RenderedBody>>();

export function renderIssueContent(issue: Issue, config: Config): RenderedIssue {
  const url = issueUrl(config, issue.date);
  // Web headings: the lead sits under the page's h1, items under their h4 titles.
  const render = (body: MarkdownBody, webHeadingTop: number, tree?: MdastRoot): RenderedBody => {
    const mdast = tree ?? parseBodyOf(body.file, body.markdown);
    const images = localImages(mdast);
    const sizes = measureImages(issue.dir, images, url);
    const key = JSON.stringify([url, webHeadingTop, [...sizes]]);
    const known = renderedBodies.get(mdast)?.get(key);
    if (known) return known;
    const { html, webHtml, emailHtml } = renderMarkdown(mdast, url, webHeadingTop, sizes);
    const rendered = { html, webHtml, emailHtml, text: markdownToText(mdast, { baseUrl: url }), images };
    renderedBodies.set(mdast, (renderedBodies.get(mdast) ?? new Map()).set(key, rendered));
    return rendered;
  };
  const { lead, items, ...info } = issue;
  const excerpt =
    (issue.leadMode ?? config.lead) === 'excerpt' ? excerptOf(parseBodyOf(lead.file, lead.markdown)) : null;
  return {
    issue: { ...info, source: lead.file.source.path },
    url,
    lead: render(lead, 2),
    ...(excerpt ? { leadExcerpt: render(lead, 2, excerpt) } : {}),
    items: items.map(({ body, ...item }) => ({
      item: { ...item, source: body.file.source.path },
      body: render(body, 5),
    })),
  };
}

/** A body as the web archive reads it: every form but the email's. */
export type ArchivedBody = Omit<RenderedBody, 'emailHtml' | 'text'> & {
  /** The first paragraph of the text, cut near 220 characters: all the tag pages show of it. */
  excerpt: string;
};

/** An issue as the web archive (archive/) reads it: the email's forms and the plain text it never reads left out. */
export interface ArchivedIssue {
  issue: IssueInfo;
  url: string;
  lead: ArchivedBody;
  items: { item: ItemInfo; body: ArchivedBody }[];
}

/**
 * The issue without its email forms and with an excerpt of its text, for a build (or an archive
 * session) that holds every issue until the archive is made: the email's HTML was a ninth of what a
 * build of 520 issues held at its peak, and the plain text of every body about 12 MB.
 */
export function forArchive(rendered: RenderedIssue): ArchivedIssue {
  const archived = ({ html, webHtml, text, images }: RenderedBody): ArchivedBody => ({
    html,
    webHtml,
    excerpt: textExcerpt(text),
    images,
  });
  return {
    issue: rendered.issue,
    url: rendered.url,
    lead: archived(rendered.lead),
    items: rendered.items.map(({ item, body }) => ({ item, body: archived(body) })),
  };
}

/**
 * The rendering with one copy of each body's HTML where its feed and web forms are the same text (an
 * item without headings). Made here they are one string; a rendering that crossed from a worker
 * thread or came from the cache holds two, as structured clone and JSON copy strings by value, and an
 * archive build keeps every issue's rendering until it ends.
 */
export function sharingEqualForms(rendered: RenderedIssue): RenderedIssue {
  const bodies = [rendered.lead, rendered.leadExcerpt, ...rendered.items.map(({ body }) => body)];
  for (const body of bodies) if (body && body.webHtml === body.html) body.webHtml = body.html;
  return rendered;
}

/** Words an excerpt may reach by taking another whole paragraph: about a phone screen of text. */
export const EXCERPT_WORDS = 120;

/**
 * The excerpt of a lead: its blocks from the start, whole, until the first paragraph is in and the next
 * block would take the words past EXCERPT_WORDS (so at least one paragraph, however long). Link reference
 * definitions are kept, so `[text][ref]` links in the excerpt still resolve. Null when that is the whole lead.
 */
export function excerptOf(tree: MdastRoot): MdastRoot | null {
  const blocks = tree.children.filter((node) => node.type !== 'definition');
  let words = 0;
  let taken = 0;
  let hasParagraph = false;
  for (const block of blocks) {
    const more = wordCount(block);
    if (hasParagraph && words + more > EXCERPT_WORDS) break;
    words += more;
    taken++;
    if (block.type === 'paragraph') hasParagraph = true;
  }
  if (taken === blocks.length) return null;
  const definitions = tree.children.filter((node) => node.type === 'definition');
  return { ...tree, children: [...blocks.slice(0, taken), ...definitions] };
}

function wordCount(node: RootContent): number {
  return textOf(node).split(/\s+/).filter(Boolean).length;
}

/** The published size of each image beside the issue, by the absolute URL its `src` becomes. */
function measureImages(issueDir: string, references: readonly string[], url: string): Map<string, ImageSize> {
  const sizes = new Map<string, ImageSize>();
  for (const reference of references) {
    const size = measureLocalImage(issueDir, reference);
    if (size) sizes.set(new URL(reference, url).href, size);
  }
  return sizes;
}

function localImages(mdast: MdastRoot): string[] {
  const found = new Set<string>();
  visitType(mdast, 'image', (node: Image) => {
    if (isLocalImage(node.url)) found.add(node.url);
  });
  return [...found];
}
