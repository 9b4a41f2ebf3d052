import { diagnose, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Config, Issue } from '../content/model.js';
import { placeOfPath } from '../content/yaml-place.js';
import { addDays, longDate, weekday } from '../support/dates.js';
import { isProse, meetingPath } from '../content/kinds/index.js';

export function checkIssue(issue: Issue, config: Config): Diagnostic[] {
  return [
    ...meetingsOutsideNextWeek(issue),
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
        diagnose(
          item.body.file.source,
          placeOfPath(item.body.file, meetingPath(m.index, 'date')),
          'meeting-outside-week',
          `"${m.title}" on ${m.date} is not next week (${longDate(from)} to ${longDate(to)}).`,
          'Check the date, or move the meeting to the issue of its week.',
        ),
      ),
  );
}

function emptySections(issue: Issue, config: Config): Diagnostic[] {
  return config.sections
    .filter((section) => !issue.items.some((item) => item.kind === section.kind))
    .map((section) =>
      diagnose(
        issue.lead.file.source,
        { line: 1, column: 1 },
        'empty-section',
        `The section "${section.title}" has no items this week.`,
        `Add one with \`bulletin add ${section.kind} "Title"\`, or leave it: the email skips empty sections.`,
      ),
    );
}

function emptyItems(issue: Issue): Diagnostic[] {
  return issue.items
    .filter((item) => isProse(item.kind) && item.body.markdown.trim() === '' && item.links.length === 0)
    .map((item) =>
      diagnose(
        item.body.file.source,
        placeOfPath(item.body.file, ['title']),
        'empty-item',
        `"${item.title}" has a title but no text.`,
        'Write the item below its front matter, or delete the file.',
      ),
    );
}

/** What a phone's inbox shows of a subject before cutting it off, roughly (iOS Mail and Gmail show 35 to 45). */
export const SUBJECT_FITS = 45;

function subjectTooLong(issue: Issue): Diagnostic[] {
  if (issue.subject.length <= SUBJECT_FITS) return [];
  const key =
    issue.lead.file.data && typeof issue.lead.file.data === 'object' && 'subject' in issue.lead.file.data
      ? 'subject'
      : 'title';
  return [
    diagnose(
      issue.lead.file.source,
      placeOfPath(issue.lead.file, [key]),
      'subject-too-long',
      `The subject is ${issue.subject.length} characters; a phone shows about the first ${SUBJECT_FITS}: "${issue.subject.slice(0, SUBJECT_FITS)}…".`,
      `Put the point in the first ${SUBJECT_FITS} characters, or set a shorter \`subject:\` in issue.md.`,
    ),
  ];
}
