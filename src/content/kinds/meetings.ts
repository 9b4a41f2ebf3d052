import { z } from 'zod';
import { addDays } from '../../support/dates.js';
import { breaksRule, id, isoDate, oneLine, time, webUrl } from '../fields.js';
import { itemSchema, type KindSpec } from './kind.js';
import { yamlLibrary } from '../yaml-library.js';

/** The key its entries are written under, and so the first step of their places in the YAML. */
const LIST = 'meetings';

export const meetingSchema = z
  .strictObject({
    /** Optional, for a calendar id that survives reordering the list. */
    id: id.optional(),
    title: oneLine,
    date: isoDate.optional(),
    start: time.optional(),
    end: time.optional(),
    location: oneLine.optional(),
    description: z.string().optional(),
    link: webUrl.optional(),
  })
  .superRefine((meeting, ctx) => {
    if (meeting.end && !meeting.start)
      breaksRule(ctx, { problem: 'invalid-value', params: { case: 'end-without-start' } }, ['end']);
    // Compared only when both are times: a start of "6pm" is reported once, as not a time.
    const isTime = (value: unknown) => time.safeParse(value).success;
    if (isTime(meeting.start) && isTime(meeting.end) && meeting.end! <= meeting.start!) {
      const times = { start: meeting.start!, end: meeting.end! };
      breaksRule(ctx, { problem: 'invalid-value', params: { case: 'ends-before-start', ...times } }, ['end']);
    }
    if ((meeting.start || meeting.end) && !meeting.date)
      breaksRule(ctx, { problem: 'invalid-value', params: { case: 'time-without-date' } }, ['start']);
  });

export type MeetingData = z.infer<typeof meetingSchema>;

/** Where a key of entry `index` of the list is written, for a diagnostic's file:line:column. */
export function meetingPath(index: number, key: keyof MeetingData): [string, number, string] {
  return [LIST, index, key];
}

export const meetings = {
  kind: 'meetings',
  schema: itemSchema('meetings', { [LIST]: z.array(meetingSchema).min(1) }),
  presents: 'calendar',
  sectionTitle: 'What’s happening next week?',
  ownProgramme: false,
  oneFile: { name: 'meetings.md', addHint: `each meeting is one entry under \`${LIST}:\`` },
  skeleton: ({ date }) => {
    const entries = [
      {
        title: 'TK meeting',
        date: addDays(date, 4),
        start: '10:00',
        end: '11:00',
        location: 'TK',
        description: 'TK what it is for',
      },
    ];
    const front = { kind: 'meetings', title: 'Next week’s meetings', [LIST]: entries };
    return `---\n${yamlLibrary().stringify(front, { lineWidth: 0 })}---\n`;
  },
} as const satisfies KindSpec;
