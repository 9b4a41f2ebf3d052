import { programmesOf } from '../content/item-tags.js';
import type { ArchivedBody, ItemInfo } from '../render/rendered-issue.js';
import { longDate } from '../support/dates.js';
import type { Archive, ArchiveIssue, SiteFiles } from './model.js';
import { renderPage } from './page-context.js';
import { anchorInIssue } from './pages.js';
import { hrefOf, issuePath, rootFrom, tagPath } from './paths.js';
import type { SiteTemplates } from './site-templates.js';

type TagKind = 'programmes' | 'places';

export const tagsOf = (item: ItemInfo, kind: TagKind): string[] =>
  kind === 'places' ? item.places : programmesOf(item);

/**
 * A page per programme and per place that has items, listing them across every issue, and an
 * index of each. With `only`, just the pages of those tags (an incremental rebuild), and the indexes.
 */
export function tagFiles(archive: Archive, templates: SiteTemplates, only?: ReadonlySet<string>): SiteFiles {
  const files: SiteFiles = new Map();
  // One pass over every item, newest issue first, rather than one per tag.
  const byTag = new Map<string, { issue: ArchiveIssue; item: ItemInfo; body: ArchivedBody }[]>();
  for (const issue of archive.issues) {
    for (const { item, body } of issue.rendered.items) {
      for (const kind of ['programmes', 'places'] as const) {
        for (const id of tagsOf(item, kind)) {
          const key = `${kind}/${id}`;
          let list = byTag.get(key);
          if (!list) {
            list = [];
            byTag.set(key, list);
          }
          list.push({ issue, item, body });
        }
      }
    }
  }
  for (const kind of ['programmes', 'places'] as const) {
    const counts: { id: string; name: string; count: number }[] = [];
    for (const tag of archive.config[kind]) {
      const path = tagPath(kind, tag.id);
      const tagged = byTag.get(`${kind}/${tag.id}`) ?? [];
      if (tagged.length === 0) continue;
      counts.push({ id: tag.id, name: tag.name, count: tagged.length });
      if (only && !only.has(`${kind}/${tag.id}`)) continue;
      const root = rootFrom(path);
      const entries = tagged.map(({ issue, item, body }) => ({
        title: item.title,
        href: `${root}${hrefOf(issuePath(issue.date))}#${anchorInIssue(issue, item)}`,
        date: issue.date,
        dateLabel: longDate(issue.date, archive.config.site.locale),
        issueTitle: issue.title,
        excerpt: body.excerpt,
      }));
      const noun = entries.length === 1 ? 'item' : 'items';
      files.set(
        path,
        renderPage(
          templates,
          archive.config,
          {
            path,
            title: tag.name,
            description: `${entries.length} ${noun} about ${tag.name} in the ${archive.config.site.name} bulletins.`,
          },
          'tag',
          {
            tag: { name: tag.name, count: entries.length, noun },
            entries,
          },
        ),
      );
    }
    const indexPath = `${kind}/index.html`;
    const title = kind === 'programmes' ? 'Programmes' : 'Places';
    files.set(
      indexPath,
      renderPage(
        templates,
        archive.config,
        {
          path: indexPath,
          title,
          description: `Bulletin items by ${kind === 'programmes' ? 'programme' : 'place'}.`,
        },
        'tags',
        {
          title,
          intro:
            kind === 'programmes'
              ? 'Follow a programme of work through the bulletins.'
              : 'News from each of our places.',
          tags: counts.map((c) => ({
            name: c.name,
            count: c.count,
            noun: c.count === 1 ? 'item' : 'items',
            href: `${c.id}/`,
          })),
        },
      ),
    );
  }
  return files;
}
