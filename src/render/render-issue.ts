import type { Config, Issue, Item } from '../content/model.js';
import { emailHtml, renderMarkdown } from './markdown.js';
import type { Root as MdastRoot } from 'mdast';
import type { Root as HastRoot } from 'hast';
import { markdownToText } from './plain-text.js';
import { issueUrl } from './urls.js';

/** One Markdown body in every form the outputs need, from a single parse. */
export interface RenderedBody {
  mdast: MdastRoot;
  hast: HastRoot;
  /** Sanitized, absolute URLs: for the web archive. */
  html: string;
  /** The same with inline styles: for the email. */
  emailHtml: string;
  text: string;
}

export interface RenderedIssue {
  issue: Issue;
  /** The issue's page in the web archive ("view in browser"). */
  url: string;
  lead: RenderedBody;
  items: { item: Item; body: RenderedBody }[];
}

export function renderIssueContent(issue: Issue, config: Config): RenderedIssue {
  const url = issueUrl(config, issue.date);
  const render = (markdown: string): RenderedBody => {
    const rendered = renderMarkdown(markdown, url);
    return { ...rendered, emailHtml: emailHtml(rendered.hast), text: markdownToText(rendered.mdast, { baseUrl: url }) };
  };
  return {
    issue,
    url,
    lead: render(issue.lead.markdown),
    items: issue.items.map((item) => ({ item, body: render(item.body.markdown) })),
  };
}
