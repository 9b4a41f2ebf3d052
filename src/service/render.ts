import type { FastifyReply } from 'fastify';
import { renderPage } from '../archive/page-context.js';
import type { PageTemplate, SiteTemplates } from '../archive/site-templates.js';
import type { Config } from '../content/model.js';

export interface Notice {
  title: string;
  paragraphs: string[];
  next?: { href: string; text: string };
}

/** Renders the service's pages in the archive's layout, so they look like the rest of the site. */
export class Pages {
  constructor(
    private readonly templates: SiteTemplates,
    private readonly config: Config,
  ) {}

  send(
    reply: FastifyReply,
    status: number,
    template: PageTemplate,
    title: string,
    context: object,
  ): FastifyReply {
    const path = `${template}/`;
    const html = renderPage(
      this.templates,
      this.config,
      { path, title, description: title, absoluteRoot: true },
      template,
      context,
    );
    return reply
      .code(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(html);
  }

  notice(reply: FastifyReply, status: number, notice: Notice): FastifyReply {
    return this.send(reply, status, 'notice', notice.title, { notice });
  }

  private readonly fixed = new Map<string, string>();

  /** A notice that never varies (no address, no token in it): rendered once, then reused. */
  fixedNotice(reply: FastifyReply, status: number, notice: Notice): FastifyReply {
    const key = JSON.stringify(notice);
    let html = this.fixed.get(key);
    if (!html) {
      html = renderPage(
        this.templates,
        this.config,
        { path: 'notice/', title: notice.title, description: notice.title, absoluteRoot: true },
        'notice',
        { notice },
      );
      this.fixed.set(key, html);
    }
    return reply
      .code(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(html);
  }

  listName(id: string): string {
    return this.config.lists.find((l) => l.id === id)?.name ?? id;
  }
}

/** "the Weekly bulletin", "the Weekly bulletin and System leaders". */
export function listNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
