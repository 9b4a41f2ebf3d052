import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { at, problem, startOf } from '../diagnostics/problem.js';
import type { Config, Issue } from '../content/model.js';
import { placeOfPath } from '../content/yaml-place.js';
import { addDays, longDate, weekday } from '../support/dates.js';
import { parseUrl } from '../support/errors.js';
import { calendarUrl } from '../support/ics-url.js';
import { isProse, meetingPath } from '../content/kinds/index.js';

export function checkIssue(issue: Issue, config: Config): Diagnostic[] {
  return [
    ...meetingsOutsideNextWeek(issue),
    ...meetingLinksOffCalendar(issue),
    ...emptySections(issue, config),
    ...emptyItems(issue),
    ...subjectTooLong(issue),
  ];
}

/**
 * "Next week" runs from the day after the issue to the Sunday of the following week: a Friday
 * issue covers Saturday to the Sunday nine days on; a Monday issue the rest of its week and the next.
 */
export function nextWeek(date: string): { from: string; to: string } {
  const toThisSunday = (7 - weekday(date)) % 7;
  return { from: addDays(date, 1), to: addDays(date, toThisSunday + 7) };
}

function meetingsOutsideNextWeek(issue: Issue): Diagnostic[] {
  const { from, to } = nextWeek(issue.date);
  return issue.items.flatMap((item) =>
    item.meetings
      .filter((m) => m.date && (m.date < from || m.date > to))
      .map((m) =>
        problem(
          'meeting-outside-week',
          at(item.body.file.source, placeOfPath(item.body.file, meetingPath(m.index, 'date'))),
          {
            title: m.title,
            date: String(m.date),
            from: longDate(from),
            to: longDate(to),
          },
        ),
      ),
  );
}

/**
 * A dated meeting's web link that its calendar event cannot carry (a host with `_`, which `ics`
 * refuses, an address over 8 KB, `https:host` without its slashes): the event then links to the issue
 * page, and the writer should know. A mailto: link is a choice, not a mistake: its event links to the
 * issue page without a word; an undated meeting is in no calendar.
 */
function meetingLinksOffCalendar(issue: Issue): Diagnostic[] {
  return issue.items.flatMap((item) =>
    item.meetings.flatMap((m) => {
      const web = m.link ? parseUrl(m.link) : undefined;
      if (!m.date || !web || !['http:', 'https:'].includes(web.protocol) || calendarUrl(m.link)) return [];
      const place = placeOfPath(item.body.file, meetingPath(m.index, 'link'));
      // As a browser reads it: ASCII on one line (the WHATWG serializer percent-encodes the rest), so a
      // line break in the link cannot forge a line of the report, nor a cut split a character.
      const { href } = web;
      return [
        problem('meeting-link-off-calendar', at(item.body.file.source, place), {
          title: m.title,
          link: href.length > 80 ? `${href.slice(0, 80)}…` : href,
          length: href.length,
        }),
      ];
    }),
  );
}

function emptySections(issue: Issue, config: Config): Diagnostic[] {
  return config.sections
    .filter((section) => !issue.items.some((item) => item.kind === section.kind))
    .map((section) =>
      problem('empty-section', startOf(issue.lead.file.source), {
        section: section.title,
        kind: section.kind,
      }),
    );
}

function emptyItems(issue: Issue): Diagnostic[] {
  return issue.items
    .filter((item) => isProse(item.kind) && item.body.markdown.trim() === '' && item.links.length === 0)
    .map((item) =>
      problem('empty-item', at(item.body.file.source, placeOfPath(item.body.file, ['title'])), {
        title: item.title,
      }),
    );
}

/**
 * What a phone's inbox shows of a subject before cutting it off, roughly (iOS Mail and Gmail show 35 to 45).
 */
export const SUBJECT_FITS = 45;

function subjectTooLong(issue: Issue): Diagnostic[] {
  if (issue.subject.length <= SUBJECT_FITS) return [];
  const key =
    issue.lead.file.data && typeof issue.lead.file.data === 'object' && 'subject' in issue.lead.file.data
      ? 'subject'
      : 'title';
  return [
    problem('subject-too-long', at(issue.lead.file.source, placeOfPath(issue.lead.file, [key])), {
      subject: issue.subject,
      fits: SUBJECT_FITS,
    }),
  ];
}
