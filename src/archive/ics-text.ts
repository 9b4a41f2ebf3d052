import { icsRunes } from './ics-runes.js';
import { hasIcsUrlShape } from '../support/ics-url.js';

/**
 * The iCalendar text of the archive's calendars, byte for byte what the `ics` package (3.12) writes for the
 * same events. `ics` checks each event against a yup schema before writing it; for the few typed fields a
 * meeting becomes, that check cost about 4 ms an event, more than the rest of the archive's calendars
 * together (2,000 events at 520 issues). The fields here are typed by the compiler, so of that schema only
 * what depends on the data is kept: times must not be before 1970 and a URL must have `ics`'s shape. A
 * test writes every sample and corpus event through both and compares the bytes.
 */

/** A meeting as a calendar event: the subset of `ics`'s EventAttributes the archive writes. */
export interface CalendarEvent {
  uid: string;
  title: string;
  description?: string;
  location?: string;
  url?: string;
  /** DTSTAMP, ms since the epoch. */
  timestamp: number;
  /** An all-day event's first day and the day after its last, or UTC instants in ms. */
  start: DayArray | number;
  end: DayArray | number;
}

export type DayArray = [number, number, number];

export interface CalendarHeader {
  productId: string;
  calName: string;
}

/** What `ics` refuses among the events the archive makes. */
export class CalendarTextError extends Error {}

/** A whole VCALENDAR: header, the events in the order given, footer; lines end CRLF. */
export function calendarText(header: CalendarHeader, events: readonly CalendarEvent[]): string {
  let text = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nCALSCALE:GREGORIAN\r\n';
  text += `${foldLine(`PRODID:${newLines(header.productId)}`)}\r\n`;
  text += 'METHOD:PUBLISH\r\n';
  if (header.calName) text += `${foldLine(`X-WR-CALNAME:${newLines(header.calName)}`)}\r\n`;
  text += 'X-PUBLISHED-TTL:PT1H\r\n';
  for (const event of events) text += eventText(event);
  return `${text}END:VCALENDAR\r\n`;
}

function eventText(event: CalendarEvent): string {
  refuseWhatIcsRefuses(event);
  let text = 'BEGIN:VEVENT\r\n';
  text += `${foldLine(`UID:${newLines(event.uid)}`)}\r\n`;
  if (event.title) text += `${foldLine(`SUMMARY:${newLines(escapeText(event.title))}`)}\r\n`;
  text += `${foldLine(`DTSTAMP:${utcStamp(event.timestamp)}`)}\r\n`;
  text += `${foldLine(`DTSTART${valueDate(event.start)}:${dateText(event.start)}`)}\r\n`;
  // As `ics`: an end at the epoch itself (0) is taken for no end.
  if (event.end !== 0) text += `${foldLine(`DTEND${valueDate(event.end)}:${dateText(event.end)}`)}\r\n`;
  if (event.description) text += `${foldLine(`DESCRIPTION:${newLines(escapeText(event.description))}`)}\r\n`;
  if (event.url) text += `${foldLine(`URL:${newLines(event.url)}`)}\r\n`;
  if (event.location) text += `${foldLine(`LOCATION:${newLines(escapeText(event.location))}`)}\r\n`;
  return `${text}END:VEVENT\r\n`;
}

function refuseWhatIcsRefuses(event: CalendarEvent): void {
  for (const [name, time] of [
    ['timestamp', event.timestamp],
    ['start', event.start],
    ['end', event.end],
  ] as const) {
    if (typeof time === 'number' && !(Number.isInteger(time) && time >= 0))
      throw new CalendarTextError(`${name} must be an instant on or after 1970-01-01 (got ${time})`);
  }
  if (event.url !== undefined && !hasIcsUrlShape(event.url))
    throw new CalendarTextError(`url must be an absolute scheme:// URL (got "${clipped(event.url)}")`);
}

const clipped = (text: string) => (text.length > 200 ? `${text.slice(0, 200)}...` : text);

const valueDate = (time: DayArray | number) => (typeof time === 'number' ? '' : ';VALUE=DATE');

function dateText(time: DayArray | number): string {
  if (typeof time === 'number') return utcStamp(time);
  const [year, month, day] = time;
  return `${year}${pad(month)}${pad(day)}`;
}

const pad = (n: number) => (n < 10 ? `0${n}` : `${n}`);

function utcStamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(
    d.getUTCMinutes(),
  )}${pad(d.getUTCSeconds())}Z`;
}

/** RFC 5545 TEXT escaping, as `ics` does it. */
const escapeText = (text: string) =>
  text.replace(/\\/g, '\\\\').replace(/\r?\n/g, '\\n').replace(/;/g, '\\;').replace(/,/g, '\\,');

const newLines = (text: string) => text.replace(/\r?\n/g, '\\n');

/**
 * Lines longer than 75 characters (as `ics` counts them: ics-runes.ts) continue on lines of 74 after a
 * CRLF and a tab. A line of 75 UTF-16 units or fewer has 75 characters or fewer, so it is not counted.
 */
function foldLine(line: string): string {
  if (line.length <= 75) return line;
  // Split into runes once: counting the rest again at each fold (as `ics` does) made a 200 KB line
  // take minutes.
  const all = icsRunes(line);
  const parts = [all.slice(0, 75).join('')];
  for (let from = 75; from < all.length; from += 74) parts.push(all.slice(from, from + 74).join(''));
  return parts.join('\r\n\t');
}
