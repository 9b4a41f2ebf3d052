import { parseUrl } from './errors.js';

/**
 * Which web addresses a calendar event can carry: the `ics` package's URL shape, which the archive's
 * calendars keep byte for byte (archive/ics-text.ts), and which `check` holds meeting links to, so a
 * link the calendar would drop is a warning before the archive quietly puts the issue page in its place.
 */

// `ics`'s own URL pattern (its schema's urlRegex, from yup issue 224), so that what it refused is refused,
// rewritten to match the same strings without its catastrophic backtracking (a 100 KB host took
// minutes): the user part `\S+(?::\S*)?@` is `\S+@`, as `\S+` already takes any colon; a label
// `(?:[a-z...]-*)*[a-z...]+` is `[a-z...](?:-*[a-z...])*`, a letter or digit first and last.
// `ics-text.test.ts` holds both to the `ics` package on the shapes that made it slow.
const LABEL = String.raw`[a-z\u00a1-\uffff0-9](?:-*[a-z\u00a1-\uffff0-9])*`;
const IPV4 = String.raw`(?:[1-9]\d?|1\d\d|2[01]\d|22[0-3])(?:\.(?:1?\d{1,2}|2[0-4]\d|25[0-5])){2}(?:\.(?:[1-9]\d?|1\d\d|2[0-4]\d|25[0-4]))`;
const ICS_URL = new RegExp(
  String.raw`^(?:([a-z0-9+.-]+):\/\/)(?:\S+@)?(?:${IPV4}|${LABEL}(?:\.${LABEL})*\.?)(?::\d{2,5})?(?:[/?#]\S*)?$`,
);

/**
 * Whether `ics` would take this URL. Past MAX_URL_LENGTH, no: its pattern can still backtrack
 * quadratically on a long URL that fails after many `@` (a 200 KB one took 20 s), and a calendar
 * link that long is no link anyone follows.
 */
export function hasIcsUrlShape(url: string): boolean {
  return url.length <= MAX_URL_LENGTH && ICS_URL.test(url);
}

const MAX_URL_LENGTH = 8192;

/**
 * A meeting's link as its calendar event carries it, or undefined when the event gets the issue page
 * instead: not a web address (a mailto:, the checks report a malformed one), or not of `ics`'s shape
 * (a host with `_`, an address over 8 KB). The URL as a browser reads it: the WHATWG parser drops tabs
 * and line breaks and percent-encodes controls.
 */
export function calendarUrl(link: string | undefined): string | undefined {
  if (!link || !/^https?:\/\//i.test(link)) return undefined;
  const href = parseUrl(link)?.href;
  return href !== undefined && hasIcsUrlShape(href) ? href : undefined;
}
