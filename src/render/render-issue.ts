import type { Config, Issue, Item } from '../content/model.js';
import type { MarkdownBody } from '../content/model.js';
import { parseBodyOf, renderMarkdown, type RenderedMarkdown } from './markdown.js';
import { markdownToText } from './plain-text.js';
import { issueUrl } from './urls.js';

/** One Markdown body in every form the outputs need, from a single parse. */
export interface RenderedBody extends RenderedMarkdown {
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
  // Web headings: the lead sits under the page's h1, items under their h4 titles.
  const render = (body: MarkdownBody, webHeadingTop: number): RenderedBody => {
    const rendered = renderMarkdown(parseBodyOf(body.file, body.markdown), url, webHeadingTop);
    return { ...rendered, text: markdownToText(rendered.mdast, { baseUrl: url }) };
  };
  return {
    issue,
    url,
    lead: render(issue.lead, 2),
    items: issue.items.map((item) => ({ item, body: render(item.body, 5) })),
  };
}
