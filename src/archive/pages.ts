import { subscribeFormView } from './subscribe-form.js';
import type { Config, Meeting } from '../content/model.js';
import { meetingsTitle, programmesOf } from '../content/item-tags.js';
import { itemAnchor } from '../render/urls.js';
import { longDate } from '../support/dates.js';
import { emailMeetingTime, meetingDays } from '../render/email/view-model.js';
import { googleCalendarLink } from './calendar.js';
import type { ItemInfo } from '../render/rendered-issue.js';
import type { Archive, ArchiveIssue, SiteFiles } from './model.js';
import { renderPage } from './page-context.js';
import { hrefOf, issuePath, rootFrom, tagPath } from './paths.js';
import type { SiteTemplates } from './site-templates.js';
import { isProse } from '../content/kinds/index.js';

// By the rendered issue, which an incremental rebuild keeps for every issue it did not re-render
// (each rebuild makes new ArchiveIssues around them).
const itemsOf = new WeakMap<ArchiveIssue['rendered'], ItemInfo[]>();

/**
 * `item-stroke-programme`: the item's id on its issue page, the same as in the email (`itemAnchor`, over
 * the issue's items in order), so the email's contents and a shared link land on it.
 */
export function anchorInIssue(issue: ArchiveIssue, item: ItemInfo): string {
  let items = itemsOf.get(issue.rendered);
  if (!items) {
    items = issue.rendered.items.map((each) => each.item);
    itemsOf.set(issue.rendered, items);
  }
  return itemAnchor(item, items);
}

/**
 * Every page of the site but the tag pages: index, one per issue, search, subscribe, 404. With `only`, just
 * those issues' pages and the index.
 */
export function pageFiles(archive: Archive, templates: SiteTemplates, only?: ReadonlySet<string>): SiteFiles {
  const files: SiteFiles = new Map(issuePages(archive, templates, only));
  for (const [path, html] of listingPages(archive, templates, only)) files.set(path, html);
  return files;
}

/** The issue pages (with `only`, just those issues'), one at a time: each can be used as soon as it is made. */
export function* issuePages(
  archive: Archive,
  templates: SiteTemplates,
  only?: ReadonlySet<string>,
): Generator<[path: string, html: string]> {
  const { issues } = archive;
  for (const [i, issue] of issues.entries())
    if (!only || only.has(issue.date))
      yield [
        issuePath(issue.date),
        issuePage(archive.config, templates, issue, issues[i + 1], issues[i - 1]),
      ];
}

/** The pages that are not an issue's: index, search, subscribe, 404 (with `only`, just the index). */
export function listingPages(
  archive: Archive,
  templates: SiteTemplates,
  only?: ReadonlySet<string>,
): SiteFiles {
  const files: SiteFiles = new Map();
  const { config } = archive;
  files.set('index.html', indexPage(archive, templates));
  if (only) return files;
  const simple = (
    path: string,
    template: 'search' | 'subscribe',
    title: string,
    description: string,
    extra: object = {},
  ) =>
    files.set(
      path,
      renderPage(
        templates,
        config,
        { path, title, description, search: template === 'search' },
        template,
        extra,
      ),
    );
  simple('search/index.html', 'search', 'Search', `Search every ${config.site.name} bulletin.`);
  // The form posts to the subscription service (`bulletin serve`), which answers at /subscribe.
  simple('subscribe/index.html', 'subscribe', 'Subscribe', `Get the ${config.site.name} bulletin by email.`, {
    form: subscribeFormView(config, `${rootFrom('subscribe/index.html')}subscribe`),
  });
  files.set(
    '404.html',
    renderPage(
      templates,
      config,
      {
        path: '404.html',
        title: 'Page not found',
        description: 'There is no page at this address.',
        absoluteRoot: true,
      },
      '404',
      {},
    ),
  );
  return files;
}

export function issuePage(
  config: Config,
  templates: SiteTemplates,
  issue: ArchiveIssue,
  previous?: ArchiveIssue,
  next?: ArchiveIssue,
): string {
  const path = issuePath(issue.date);
  const root = rootFrom(path);
  const { rendered } = issue;
  const name = (list: { id: string; name: string }[], id: string) =>
    list.find((x) => x.id === id)?.name ?? id;
  const sections = config.sections
    .filter((s) => isProse(s.kind))
    .map((section) => ({
      kind: section.kind,
      title: section.title,
      items: rendered.items
        .filter(({ item }) => item.kind === section.kind)
        .map(({ item, body }) => ({
          anchor: anchorInIssue(issue, item),
          title: item.title,
          html: body.webHtml,
          links: item.links,
          contact: item.contact ?? null,
          tags: [
            ...programmesOf(item).map((id) => ({
              name: name(config.programmes, id),
              href: `${root}${hrefOf(tagPath('programmes', id))}`,
            })),
            ...item.places.map((id) => ({
              name: name(config.places, id),
              href: `${root}${hrefOf(tagPath('places', id))}`,
            })),
          ],
        })),
    }))
    .filter((s) => s.items.length > 0);
  const meetingTitle = meetingsTitle(config);
  const neighbour = (other?: ArchiveIssue) =>
    other
      ? {
          href: `${root}${hrefOf(issuePath(other.date))}`,
          title: other.title,
          dateLabel: longDate(other.date, config.site.locale),
        }
      : null;
  return renderPage(
    templates,
    config,
    {
      path,
      title: issue.title,
      description: issue.summary,
      ogType: 'article',
      published: issue.date,
      indexed: true,
    },
    'issue',
    {
      issue: {
        date: issue.date,
        dateLabel: longDate(issue.date, config.site.locale),
        title: issue.title,
        author: issue.author ?? null,
        leadHtml: rendered.lead.webHtml,
        sections,
        meetings: issue.meetings.length
          ? {
              title: meetingTitle,
              icsHref: issue.meetings.some((m) => m.date) ? 'meetings.ics' : null,
              days: meetingDays(issue.meetings, config).map((day) => ({
                label: day.label,
                meetings: day.meetings.map((m) => meetingView(m, config)),
              })),
            }
          : null,
      },
      previous: neighbour(previous),
      next: neighbour(next),
    },
  );
}

function meetingView(meeting: Meeting, config: Config) {
  return {
    title: meeting.title,
    time: emailMeetingTime(meeting),
    location: meeting.location ?? null,
    description: meeting.description?.trim().replace(/\s+/g, ' ') ?? null,
    link: meeting.link ?? null,
    calendarLink: meeting.date ? googleCalendarLink(meeting, config) : null,
  };
}

function indexPage(archive: Archive, templates: SiteTemplates): string {
  const { config, issues } = archive;
  const locale = config.site.locale;
  const summary = (issue: ArchiveIssue) => ({
    date: issue.date,
    dateLabel: longDate(issue.date, locale),
    title: issue.title,
    summary: issue.summary,
    href: hrefOf(issuePath(issue.date)),
  });
  const monthName = new Intl.DateTimeFormat(locale, { month: 'long', timeZone: 'UTC' });
  const years: { year: string; months: { month: string; issues: ReturnType<typeof summary>[] }[] }[] = [];
  for (const issue of issues) {
    const year = issue.date.slice(0, 4);
    const month = monthName.format(new Date(`${issue.date}T00:00:00Z`));
    let y = years[years.length - 1];
    if (y?.year !== year) {
      y = { year, months: [] };
      years.push(y);
    }
    let m = y.months[y.months.length - 1];
    if (m?.month !== month) {
      m = { month, issues: [] };
      y.months.push(m);
    }
    m.issues.push(summary(issue));
  }
  const latest = issues[0];
  return renderPage(
    templates,
    config,
    {
      path: 'index.html',
      title: config.site.name,
      description: config.site.tagline ?? `Every ${config.site.name} bulletin.`,
    },
    'index',
    { latest: latest ? summary(latest) : null, years },
  );
}
