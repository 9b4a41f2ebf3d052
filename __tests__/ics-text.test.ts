import { createEvents, type EventAttributes } from 'ics';
import { runes } from 'runes2';
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

/** URLs of the shapes that made `ics`'s own pattern backtrack, `size` characters long or so. */
function backtrackingUrls(size: number): string[] {
  return [
    `https://${'a'.repeat(size)}_b/`,
    `https://${'a-'.repeat(size / 2)}_`,
    `http://${':'.repeat(size)}x`,
    `http://${'x@'.repeat(size / 2)}_`,
    `https://${'a.'.repeat(size / 2)}example.org:1/`,
    `https://user:${'p'.repeat(size)}@example.org/`,
    `https://${'a@a/'.repeat(size / 4)} `,
  ];
}

/** Whether we refuse the event's URL, refusing nothing else. */
function refusesUrl(event: CalendarEvent): boolean {
  try {
    calendarText({ productId: '-//Bulletin//Sample//EN', calName: 'Sample' }, [event]);
    return false;
  } catch (error) {
    if (!(error instanceof CalendarTextError)) throw error;
    return true;
  }
}

test('URLs are refused as the ics package refuses them, on the shapes that made its pattern slow', () => {
  const timed = sampleEvents().find((e) => typeof e.start === 'number')!;
  const header = { productId: '-//Bulletin//Sample//EN', calName: 'Sample' };
  const small = backtrackingUrls(200);
  // The same shapes 40 times longer, just under the length a URL may have: the same answers, at once.
  const large = backtrackingUrls(8000);
  for (const [n, url] of small.entries()) {
    const refusedByIcs = Boolean(createEvents([asIcs({ ...timed, url })], header).error);
    expect({ url, refused: refusesUrl({ ...timed, url }) }).toEqual({ url, refused: refusedByIcs });
    expect({ n, refused: refusesUrl({ ...timed, url: large[n]! }) }).toEqual({ n, refused: refusedByIcs });
  }
  // Past 8 KB, any URL (ics's pattern can still backtrack quadratically: 20 s at 200 KB).
  expect(refusesUrl({ ...timed, url: `https://example.org/${'a'.repeat(8200)}` })).toBe(true);
  for (const url of backtrackingUrls(200_000)) expect(refusesUrl({ ...timed, url })).toBe(true);
});

test('long descriptions are folded as ics folds them, and 200 KB at once (ics counted the rest at each fold)', () => {
  const timed = sampleEvents().find((e) => typeof e.start === 'number')!;
  const header = { productId: '-//Bulletin//Sample//EN', calName: 'Sample' };
  const long = { ...timed, description: hostileText(7, 20_000) };
  expect(calendarText(header, [long])).toEqual(byIcs(header, [long]));
  const huge = calendarText(header, [{ ...timed, description: hostileText(7, 200_000) }]);
  const lines = huge.split('\r\n');
  expect(lines.filter((line) => line.startsWith('\t')).length).toBeGreaterThan(200_000 / 74);
  expect(lines.filter((line) => runes(line).length > 75)).toEqual([]);
});
