/**
 * A rendered issue as plain data, and the forms the outputs keep of it: what the threads that make
 * emails and pages read, apart from the Markdown toolchain that makes it (render-issue.ts), which a
 * thread that only reads renderings then never loads.
 */
import type { Issue, Item } from '../content/model.js';
import { textExcerpt } from './plain-text.js';

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

/** A body as it is posted to another thread or written to the cache: see `packed`. */
export type PackedBody = Omit<RenderedBody, 'webHtml'> & { webHtml: string | undefined };

export interface PackedRenderedIssue extends Omit<RenderedIssue, 'lead' | 'leadExcerpt' | 'items'> {
  lead: PackedBody;
  leadExcerpt?: PackedBody;
  items: { item: ItemInfo; body: PackedBody }[];
}

/**
 * The rendering with each body's web form left empty (`undefined`, in its place: key order is part
 * of some hashes of a rendering) where it is the same text as its feed form: a body without headings,
 * most of them. Structured clone and V8's serializer copy every string they meet, even one met
 * before: that was a fifth of what a prepare worker posted and of each render cache entry (24 of
 * 105 KB for an issue of the test corpus). `unpacked` puts it back.
 */
export function packed(rendered: RenderedIssue): PackedRenderedIssue {
  const pack = (body: RenderedBody): PackedBody =>
    body.webHtml === body.html ? { ...body, webHtml: undefined } : body;
  return {
    ...rendered,
    lead: pack(rendered.lead),
    ...(rendered.leadExcerpt ? { leadExcerpt: pack(rendered.leadExcerpt) } : {}),
    items: rendered.items.map(({ item, body }) => ({ item, body: pack(body) })),
  };
}

/**
 * The rendering `packed` left out forms of, each web form put back as its feed form's very string
 * (an archive build keeps every issue's rendering until it ends: one copy of each text, not two).
 */
export function unpacked(rendered: PackedRenderedIssue): RenderedIssue {
  for (const body of [rendered.lead, rendered.leadExcerpt, ...rendered.items.map(({ body }) => body)])
    if (body) body.webHtml ??= body.html;
  return rendered as RenderedIssue;
}

/** A packed rendering's shape, as far as `unpacked` and the outputs rely on it (a cache file may be anything). */
export function isPackedRendering(value: unknown): value is PackedRenderedIssue {
  const rendered = value as Partial<PackedRenderedIssue> | null;
  const isBody = (body: unknown) => {
    const { html, webHtml, emailHtml, text, images } = (body ?? {}) as Partial<PackedBody>;
    return (
      typeof html === 'string' &&
      (webHtml === undefined || typeof webHtml === 'string') &&
      typeof emailHtml === 'string' &&
      typeof text === 'string' &&
      Array.isArray(images)
    );
  };
  return (
    typeof rendered === 'object' &&
    rendered !== null &&
    typeof rendered.issue === 'object' &&
    rendered.issue !== null &&
    typeof rendered.url === 'string' &&
    isBody(rendered.lead) &&
    (rendered.leadExcerpt === undefined || isBody(rendered.leadExcerpt)) &&
    Array.isArray(rendered.items) &&
    rendered.items.every(
      (entry) =>
        typeof entry === 'object' && entry !== null && typeof entry.item === 'object' && isBody(entry.body),
    )
  );
}
