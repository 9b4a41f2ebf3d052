import type { Config, Meeting } from '../../content/model.js';
import { meetingsTitle, programmesOf } from '../../content/item-tags.js';
import { dayLabel, longDate } from '../../support/dates.js';
import { palette } from '../palette.js';
import { ruleUnder, TEXT_WIDTH, wrap } from '../plain-text.js';
import type { ItemInfo, RenderedIssue } from '../rendered-issue.js';
import { itemAnchor, MEETINGS_ANCHOR } from '../urls.js';
import { recipientMarkers, type Slot, type SlotTable } from './slots.js';
import { isProse } from '../../content/kinds/index.js';
import { emailLogo } from '../logo.js';

/** The header's logo (`site.logo`): its address a slot, its size numbers MJML lays out with. */
function logoView(config: Config, t: (value: string) => Slot) {
  const logo = emailLogo(config);
  return logo ? { src: t(logo.src), width: logo.width, height: logo.height } : null;
}

/** One entry of the email's contents list, and the file of the item it leads to. */
export interface ContentsEntry {
  title: string;
  url: string;
  /** The file the entry's item was written in (issue.md for the lead), as displayed. */
  file: string;
}

/**
 * "In this issue": the lead, the items in the order the email shows them, the meetings. Each links to the
 * archive page at the item's anchor (the same id as the item's in the email): a link to an anchor inside
 * the email does nothing in Gmail's and Outlook's phone apps or Outlook.com, which rename or drop ids,
 * while a web address works in every mail app. The text part lists the titles alone.
 */
export function contentsEntries(rendered: RenderedIssue, config: Config): ContentsEntry[] {
  // Every item, in the issue's order: the same list the archive page numbers its anchors from.
  const issueItems = rendered.items.map(({ item }) => item);
  const meetings = rendered.items.flatMap(({ item }) => item.meetings);
  return [
    { title: rendered.issue.title, url: rendered.url, file: rendered.issue.source },
    ...config.sections
      .filter((section) => isProse(section.kind))
      .flatMap((section) => rendered.items.filter(({ item }) => item.kind === section.kind))
      .map(({ item }) => ({
        title: item.title,
        url: `${rendered.url}#${itemAnchor(item, issueItems)}`,
        file: item.source,
      })),
    // The meetings' own file (the first, if several items bring meetings).
    ...meetings.slice(0, 1).map((meeting) => ({
      title: meetingsTitle(config),
      url: `${rendered.url}#${MEETINGS_ANCHOR}`,
      file: meeting.source,
    })),
  ];
}

/**
 * What the email templates see. Every value that comes from content or config is a slot (see
 * slots.ts); only structure (lists, presence) is visible to the per-issue pass. Absent values are
 * null rather than missing, so templates can run in Handlebars' strict mode.
 */
export function emailViewModel(rendered: RenderedIssue, config: Config, slots: SlotTable) {
  const t = (value: string) => slots.plain(value);
  const maybe = (value: string | undefined) => (value === undefined || value === '' ? null : t(value));
  // The text part's headings wrap at its width and are underlined (plain-text.ts): `=` at the top
  // level, `-` below. The HTML part's headings stay as written.
  const heading = (value: string) => slots.plain(value, wrap(value, TEXT_WIDTH));
  const rule = (value: string, char: '=' | '-' = '-') => t(ruleUnder(wrap(value, TEXT_WIDTH), char));
  const { issue } = rendered;
  const name = (list: { id: string; name: string }[], id: string) =>
    list.find((x) => x.id === id)?.name ?? id;

  // Every item, in the issue's order: the same list the archive page numbers its anchors from.
  const issueItems = rendered.items.map(({ item }) => item);
  const tagLine = (item: ItemInfo) => {
    if (!config.email.showTags) return null;
    const groups = [
      [config.labels.programmes, [...new Set(programmesOf(item).map((p) => name(config.programmes, p)))]],
      [config.labels.places, item.places.map((p) => name(config.places, p))],
    ] as const;
    const line = groups
      .filter(([, names]) => names.length > 0)
      .map(([label, names]) => `${label}: ${names.join(', ')}`)
      .join(' · ');
    return line === '' ? null : t(line);
  };

  const thisWeek = config.sections
    .filter((section) => isProse(section.kind))
    .map((section) => ({
      title: heading(section.title),
      rule: rule(section.title),
      items: rendered.items
        .filter(({ item }) => item.kind === section.kind)
        .map(({ item, body }) => ({
          anchor: t(itemAnchor(item, issueItems)),
          title: heading(item.title),
          rule: rule(item.title),
          html: slots.rich(body.emailHtml, body.text),
          links: item.links.map((l) => ({ text: t(l.text), url: t(l.url) })),
          contact: item.contact
            ? {
                name: t(item.contact.name),
                email: maybe(item.contact.email),
                phone: maybe(item.contact.phone),
              }
            : null,
          tags: tagLine(item),
        })),
    }))
    .filter((section) => section.items.length > 0);

  const meetingTitle = meetingsTitle(config);
  const allMeetings = rendered.items.flatMap(({ item }) => item.meetings);
  const meetings =
    allMeetings.length === 0
      ? null
      : {
          anchor: t(MEETINGS_ANCHOR),
          title: heading(meetingTitle),
          rule: rule(meetingTitle, '='),
          days: meetingDays(allMeetings, config).map((day) => ({
            label: heading(day.label),
            rule: rule(day.label),
            meetings: day.meetings.map((m) => ({
              title: t(m.title),
              time: maybe(emailMeetingTime(m) ?? undefined),
              location: maybe(m.location),
              description: maybe(m.description?.trim().replace(/\s+/g, ' ')),
              link: maybe(m.link),
            })),
          })),
        };

  const contents = contentsEntries(rendered, config).map((entry) => ({
    title: t(entry.title),
    href: t(entry.url),
  }));
  const excerpt = rendered.leadExcerpt;

  const fromName = config.sender.from.name;
  return {
    // Not a slot: trusted constants, and MJML needs real colours to lay out (see palette.ts).
    palette,
    site: {
      name: t(config.site.name),
      tagline: maybe(config.site.tagline),
      url: t(config.site.baseUrl),
      locale: t(config.site.locale),
      logo: logoView(config, t),
    },
    sender: {
      name: t(fromName),
      email: t(config.sender.from.email),
      postalAddress: t(config.sender.postalAddress),
    },
    labels: {
      thisWeek: heading(config.labels.thisWeek),
      thisWeekRule: rule(config.labels.thisWeek, '='),
      viewOnline: t(config.labels.viewOnline),
      unsubscribe: t(config.labels.unsubscribe),
      preferences: t(config.labels.preferences),
      inThisIssue: heading(config.labels.inThisIssue),
      inThisIssueRule: rule(config.labels.inThisIssue),
    },
    issue: {
      title: heading(issue.title),
      rule: rule(issue.title, '='),
      subject: t(issue.subject),
      summary: t(issue.summary),
      date: t(issue.date),
      dateLabel: t(longDate(issue.date, config.site.locale)),
      url: t(rendered.url),
    },
    contents,
    lead: {
      html: excerpt
        ? slots.rich(excerpt.emailHtml, excerpt.text)
        : slots.rich(rendered.lead.emailHtml, rendered.lead.text),
      continueReading: excerpt
        ? { text: t(`${config.labels.continueReading}: ${issue.title}`), url: t(rendered.url) }
        : null,
      author: issue.author ? { name: t(issue.author.name), role: maybe(issue.author.role) } : null,
    },
    thisWeek,
    meetings,
    recipient: recipientMarkers(),
  };
}

/** "10:00–12:30", "10:00", or null for a meeting with no time. */
export function emailMeetingTime(meeting: Meeting): string | null {
  if (!meeting.start) return null;
  return meeting.end ? `${meeting.start}–${meeting.end}` : meeting.start;
}

export interface MeetingDay {
  label: string;
  meetings: Meeting[];
}

/** Meetings by day in date then time order; those with no day ("next week") come last. */
export function meetingDays(meetings: readonly Meeting[], config: Config): MeetingDay[] {
  const dated = meetings
    .filter((m) => m.date)
    .sort((a, b) => a.date!.localeCompare(b.date!) || (a.start ?? '').localeCompare(b.start ?? ''));
  const days: MeetingDay[] = [];
  for (const meeting of dated) {
    const label = dayLabel(meeting.date!, config.site.locale);
    const last = days[days.length - 1];
    if (last && last.label === label) last.meetings.push(meeting);
    else days.push({ label, meetings: [meeting] });
  }
  const undated = meetings.filter((m) => !m.date);
  if (undated.length) days.push({ label: config.labels.undatedMeetings, meetings: undated });
  return days;
}

export type EmailViewModel = ReturnType<typeof emailViewModel>;
export type { Slot };
