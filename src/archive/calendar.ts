import { multiLineText, oneLineText } from '../content/control-characters.js';
import type { Config, Meeting } from '../content/model.js';
import { addDays, dayOf } from '../support/dates.js';
import { issueUrl } from '../render/urls.js';
import type { Archive, ArchiveIssue, SiteFiles } from './model.js';
import { calendarUrl } from '../support/ics-url.js';
import { type CalendarEvent, calendarText, type DayArray } from './ics-text.js';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/** The site-wide calendar of upcoming meetings, for subscribing. */
export const CALENDAR_PATH = 'calendar.ics';

/** Absolute URL of an issue's `meetings.ics`. */
export function meetingCalendarUrl(config: Config, date: string): string {
  return new URL('meetings.ics', issueUrl(config, date)).href;
}

/**
 * `issues/DATE/meetings.ics` for every issue with a dated meeting, and `calendar.ics` with the
 * upcoming ones. "Upcoming" means dated on or after the newest issue's date, not after today: the
 * same content must build the same site whenever it is built.
 */
/**
 * With `only`, the per-issue calendars of just those issues (an incremental rebuild); calendar.ics always.
 */
export function calendarFiles(archive: Archive, only?: ReadonlySet<string>): SiteFiles {
  const { config } = archive;
  const files: SiteFiles = new Map();
  // biome-ignore lint/complexity/useMathMinMax: the dates are strings, which Math.max would turn into NaN
  const newest = archive.issues.reduce((max, issue) => (issue.date > max ? issue.date : max), '');
  const upcoming: Dated[] = [];
  for (const issue of archive.issues) {
    const dated = issue.meetings
      .filter((m): m is Meeting & { date: string } => m.date !== undefined)
      .map((meeting) => ({ meeting, issue }));
    if (dated.length === 0) continue;
    if (!only || only.has(issue.date))
      files.set(
        `issues/${issue.date}/meetings.ics`,
        calendar(config, dated, `${config.site.name}: meetings, ${issue.date}`),
      );
    upcoming.push(...dated.filter(({ meeting }) => meeting.date >= newest));
  }
  files.set(CALENDAR_PATH, calendar(config, upcoming, config.site.name));
  return files;
}

type Dated = { meeting: Meeting & { date: string }; issue: ArchiveIssue };

function calendar(config: Config, dated: Dated[], calName: string): string {
  const events = [...dated]
    .sort((a, b) => sortKey(a.meeting).localeCompare(sortKey(b.meeting)))
    .map((d) => event(config, d));
  const productId = `-//Bulletin//${oneLineText(config.site.name)}//EN`;
  try {
    return calendarText({ productId, calName: oneLineText(calName) }, events);
  } catch (error) {
    throw new Error(`Could not write the calendar "${calName}": ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Within a day, all-day events ('' sorts first), then by start time. */
function sortKey(meeting: Meeting): string {
  return `${meeting.date ?? ''} ${meeting.start ?? ''}`;
}

/** A dated meeting as its calendar event (exported for the test that holds it to the `ics` package). */
export function meetingEvent(
  config: Config,
  meeting: Meeting & { date: string },
  issue: ArchiveIssue,
): CalendarEvent {
  return event(config, { meeting, issue });
}

function event(config: Config, { meeting, issue }: Dated): CalendarEvent {
  const common = {
    uid: meetingUid(config, issue.date, meeting),
    // ics escapes LF, but not a bare CR, which ends an iCalendar line: the text could then add
    // properties and whole events. Checks refuse control characters; the writer is safe regardless.
    title: oneLineText(meeting.title),
    description: meeting.description === undefined ? undefined : multiLineText(meeting.description),
    location: meeting.location === undefined ? undefined : oneLineText(meeting.location),
    // A link the calendar cannot carry gets the issue page (`check` warns of it: meeting-link-off-calendar).
    url: calendarUrl(meeting.link) ?? issue.url,
    // DTSTAMP is the issue's date, not the build's time, so that builds are identical.
    timestamp: dayOf(issue.date).getTime(),
  };
  const times = meetingTimes(meeting, config.site.timezone);
  if (times === 'all-day')
    return { ...common, start: dateArray(meeting.date), end: dateArray(addDays(meeting.date, 1)) };
  return { ...common, start: times.start.getTime(), end: times.end.getTime() };
}

/**
 * Stable across builds and across edits of the meeting's title or time, so calendar apps update
 * an event rather than duplicating it. A meeting's own `id:` is kept whatever moves around it;
 * without one, inserting a meeting above it in the same file shifts it (the README says so).
 */
export function meetingUid(config: Config, date: string, meeting: Meeting): string {
  const host = new URL(config.site.baseUrl).host;
  if (meeting.id) return `${date}-${meeting.id}@${host}`;
  const file = meeting.source.split(/[\\/]/).pop()!.replace(/\.md$/, '');
  return `${date}-${encodeURIComponent(file)}-${meeting.index}@${host}`;
}

function meetingTimes(
  meeting: Meeting & { date: string },
  timeZone: string,
): { start: Date; end: Date } | 'all-day' {
  if (!meeting.start) return 'all-day';
  const start = zonedTimeToUtc(meeting.date, meeting.start, timeZone);
  const end = meeting.end
    ? zonedTimeToUtc(meeting.date, meeting.end, timeZone)
    : new Date(start.getTime() + HOUR);
  return { start, end };
}

function dateArray(date: string): DayArray {
  const [y, m, d] = date.split('-').map(Number);
  return [y!, m!, d!];
}

/** An "add to Google Calendar" link, or undefined for a meeting with no date. */
export function googleCalendarLink(meeting: Meeting, config: Config): string | undefined {
  if (!meeting.date) return undefined;
  const times = meetingTimes({ ...meeting, date: meeting.date }, config.site.timezone);
  const dates =
    times === 'all-day'
      ? `${compact(meeting.date)}/${compact(addDays(meeting.date, 1))}`
      : `${utcStamp(times.start)}/${utcStamp(times.end)}`;
  const params = new URLSearchParams({ action: 'TEMPLATE', text: meeting.title, dates });
  const details = [meeting.description, meeting.link].filter(Boolean).join('\n\n');
  if (details) params.set('details', details);
  if (meeting.location) params.set('location', meeting.location);
  return `https://calendar.google.com/calendar/render?${params.toString()}`;
}

const compact = (date: string) => date.replace(/-/g, '');
const utcStamp = (instant: Date) =>
  instant
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at an instant, in ms (BST: +3 600 000). */
function offsetAt(instant: number, timeZone: string): number {
  let format = offsetFormats.get(timeZone);
  if (!format) {
    const numeric = 'numeric';
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: numeric,
      month: numeric,
      day: numeric,
      hour: numeric,
      minute: numeric,
      second: numeric,
    });
    offsetFormats.set(timeZone, format);
  }
  const wall = wallClockAt(format, instant);
  return wall - Math.floor(instant / 1000) * 1000;
}

/** en-US with hourCycle h23: "7/14/2017, 03:40:00". */
const US_WALL_CLOCK = /^(\d+)\/(\d+)\/(\d+), (\d+):(\d+):(\d+)$/;

/**
 * The wall clock of `format`'s zone at `instant`, as if it were UTC, in ms. format() and a pattern take a
 * fifth of the time of formatToParts(), which is kept for any text the pattern does not know.
 */
function wallClockAt(format: Intl.DateTimeFormat, instant: number): number {
  const m = US_WALL_CLOCK.exec(format.format(instant));
  if (m) return Date.UTC(+m[3]!, +m[1]! - 1, +m[2]!, +m[4]!, +m[5]!, +m[6]!);
  const part = (type: string) => Number(format.formatToParts(instant).find((p) => p.type === type)?.value);
  return Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
}

/**
 * The instant at which the wall clock in `timeZone` reads `date` `time` (YYYY-MM-DD, HH:MM).
 * Like Temporal's "compatible" rule: a time skipped when clocks go forward moves forward by the
 * gap (01:30 on 25 March 2018 in London is 02:30 BST), and a time that happens twice when clocks
 * go back is the earlier one (01:30 BST on 28 October 2018).
 */
export function zonedTimeToUtc(date: string, time: string, timeZone: string): Date {
  const { asUtc, before, valid } = instantsOf(date, time, timeZone);
  return new Date(valid.length > 0 ? Math.min(...valid) : asUtc - before);
}

/** Whether a clock in `timeZone` ever shows `date` `time`: not one the clocks skip going forward. */
export function wallTimeExists(date: string, time: string, timeZone: string): boolean {
  return instantsOf(date, time, timeZone).valid.length > 0;
}

/** The instants at which a clock in `timeZone` shows `date` `time`: none, one, or two (clocks going back). */
function instantsOf(date: string, time: string, timeZone: string): WallInstants {
  const key = `${timeZone} ${date} ${time}`;
  let found = instantsCache.get(key);
  if (!found) {
    // Bounded for a long-running preview; a build meets a few thousand distinct meeting times.
    if (instantsCache.size >= 20_000) instantsCache.clear();
    found = findInstants(date, time, timeZone);
    instantsCache.set(key, found);
  }
  return found;
}

interface WallInstants {
  asUtc: number;
  before: number;
  valid: readonly number[];
}

/**
 * Memo of instantsOf: a pure function of its arguments (the zone rules are the runtime's own), asked
 * for each timed meeting by its calendar event and again by its page's "add to Google Calendar" link.
 */
const instantsCache = new Map<string, WallInstants>();

function findInstants(date: string, time: string, timeZone: string): WallInstants {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const t = /^(\d{2}):(\d{2})$/.exec(time);
  if (!d || !t) throw new RangeError(`Expected YYYY-MM-DD and HH:MM, got "${date}" "${time}".`);
  const asUtc = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]), Number(t[1]), Number(t[2]));
  // Offsets a day either side: no zone changes its offset twice within two days.
  const before = offsetAt(asUtc - DAY, timeZone);
  const after = offsetAt(asUtc + DAY, timeZone);
  const valid = [...new Set([before, after])]
    .map((offset) => asUtc - offset)
    .filter((instant) => asUtc - offsetAt(instant, timeZone) === instant);
  return { asUtc, before, valid };
}
