import type { Root as MdastRoot, Image, RootContent } from 'mdast';
import { toString as textOf } from 'mdast-util-to-string';
import { visitType } from '../support/walk-tree.js';
import type { Config, Issue, MarkdownBody } from '../content/model.js';
import { measureLocalImage, type ImageSize } from './image-sizes.js';
import { loadRawHtmlSupport, parseBodyOf, renderMarkdown } from './markdown.js';
import { markdownToText } from './plain-text.js';
import type { RenderedBody, RenderedIssue } from './rendered-issue.js';
import { isLocalImage, issueUrl } from './urls.js';

/**
 * A body's forms by its tree and everything else they are made of (the issue's address, the
 * heading level, the images' sizes as measured now). Trees are shared while their text is
 * unchanged (markdown.ts), so the preview renders again only the body that was saved.
 */
const renderedBodies = new WeakMap<MdastRoot, Map<string, RenderedBody>>();

/**
 * Loads what `renderIssueContent` needs for `issue` beyond the plain renderer: the raw HTML parser,
 * where a body has a `<` (raw HTML has one; an autolink or a comparison loads it for nothing).
 */
export async function loadRendererFor(issue: Issue): Promise<void> {
  if ([issue.lead, ...issue.items.map((item) => item.body)].some((body) => body.markdown.includes('<')))
    await loadRawHtmlSupport();
}

/** The issue's bodies in every form the outputs need (await `loadRendererFor(issue)` first). */
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
