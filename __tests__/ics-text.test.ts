import { createEvents, type EventAttributes } from 'ics';
import { meetingEvent } from '../src/archive/calendar.js';
import {
  type CalendarEvent,
  type CalendarHeader,
  CalendarTextError,
  calendarText,
} from '../src/archive/ics-text.js';
import type { Archive } from '../src/archive/model.js';
import { archiveFromSite } from './helpers/archive.js';

/** The same event as the `ics` package's attributes, the way calendar.ts gave them to it before. */
function asIcs(event: CalendarEvent): EventAttributes {
  const { start, end, ...rest } = event;
  if (typeof start !== 'number' || typeof end !== 'number') return { ...rest, start, end } as EventAttributes;
  return {
    ...rest,
    ...{ start, startInputType: 'utc', startOutputType: 'utc' },
    ...{ end, endInputType: 'utc', endOutputType: 'utc' },
  } as EventAttributes;
}

function byIcs(header: CalendarHeader, events: CalendarEvent[]): string {
  const { error, value } = createEvents(events.map(asIcs), header);
  if (error || value === null) throw new Error(`ics refused it: ${error?.message}`);
  return value;
}

/** Deterministic text with what folding and escaping must get right: astral, joined and combining runes. */
function hostileText(seed: number, length: number): string {
  const pieces = [
    ...'abcdefghij klmnop',
    ',',
    ';',
    '\\',
    '\n',
    '\r\n',
    ':',
    'é',
    'e\u0301',
    '中',
    '😀',
    '👍🏽',
    '🇬🇧',
    '👨\u200d👩\u200d👧',
    '🏴\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}',
    '\ufe0f',
  ];
  let state = seed;
  let text = '';
  while (text.length < length) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    text += pieces[state % pieces.length];
  }
  return text;
}

let archive: Archive;
beforeAll(async () => {
  archive = await archiveFromSite();
});

function sampleEvents(): CalendarEvent[] {
  return archive.issues.flatMap((issue) =>
    issue.meetings.flatMap((meeting) =>
      meeting.date ? [meetingEvent(archive.config, { ...meeting, date: meeting.date }, issue)] : [],
    ),
  );
}

test('every sample meeting, as a calendar, is written byte for byte as the ics package writes it', () => {
  const events = sampleEvents();
  expect(events.length).toBeGreaterThan(5);
  expect(events.some((e) => typeof e.start === 'number')).toBe(true);
  expect(events.some((e) => typeof e.start !== 'number')).toBe(true);
  const header = { productId: '-//Bulletin//Sample//EN', calName: archive.config.site.name };
  expect(calendarText(header, events)).toBe(byIcs(header, events));
  for (const event of events) expect(calendarText(header, [event])).toBe(byIcs(header, [event]));
  expect(calendarText(header, [])).toBe(byIcs(header, []));
});

test('long, escaped and astral texts fold and escape as the ics package does, at every length', () => {
  const [timed, allDay] = [
    sampleEvents().find((e) => typeof e.start === 'number')!,
    sampleEvents().find((e) => typeof e.start !== 'number')!,
  ];
  for (let n = 0; n < 240; n++) {
    const base = n % 2 ? timed : allDay;
    const event: CalendarEvent = {
      ...base,
      uid: `${hostileText(n + 7, n % 90)}@example.org`,
      title: hostileText(n, n),
      description: n % 5 ? hostileText(n * 31, 2 * n) : undefined,
      location: n % 3 ? hostileText(n * 17, 70 + (n % 12)) : '',
      url: `https://www.example.org/${'a'.repeat(n % 80)}?q=${n}`,
    };
    const header = {
      productId: `-//Bulletin//${hostileText(n * 3, n % 100)}//EN`,
      calName: hostileText(n * 5, n),
    };
    expect([n, calendarText(header, [event])]).toEqual([n, byIcs(header, [event])]);
  }
});

test('what the ics package refuses is refused: times before 1970, URLs not of its scheme:// shape', () => {
  const timed = sampleEvents().find((e) => typeof e.start === 'number')!;
  const header = { productId: '-//Bulletin//Sample//EN', calName: 'Sample' };
  const refused: CalendarEvent[] = [
    { ...timed, start: -3_600_000 },
    { ...timed, end: -1 },
    { ...timed, timestamp: -86_400_000 },
    { ...timed, url: 'https://[::1]/meeting' },
    { ...timed, url: 'mailto:someone@example.org' },
    { ...timed, url: '' },
  ];
  for (const event of refused) {
    expect(createEvents([asIcs(event)], header).error).toBeTruthy();
    expect(() => calendarText(header, [event])).toThrow(CalendarTextError);
  }
});
