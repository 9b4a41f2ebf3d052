/** A date as content writes it: YYYY-MM-DD. */
export const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Written YYYY-MM-DD, and a day the calendar has (not 2018-02-30). */
export function isCalendarDate(text: string): boolean {
  const match = ISO_DATE.exec(text);
  if (!match) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** Dates in content are calendar days (YYYY-MM-DD) with no time zone; format them as such, in UTC. */
export function dayOf(date: string): Date {
  return new Date(`${date}T00:00:00Z`);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Building an Intl formatter costs far more than using one, so each is made once. */
function formatter(locale: string, withYear: boolean): Intl.DateTimeFormat {
  const key = `${locale}|${withYear}`;
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, {
      weekday: 'long',
      day: 'numeric',
      month: 'long',
      ...(withYear ? { year: 'numeric' } : {}),
      timeZone: 'UTC',
    });
    formatters.set(key, format);
  }
  return format;
}

const momentFormatters = new Map<string, Intl.DateTimeFormat>();

/** "3 March 2026": the day a moment (ISO 8601) fell on where the site is (its time zone), without weekday. */
export function dayOfMoment(moment: string, locale: string, timeZone: string): string {
  const key = `${locale}|${timeZone}`;
  let format = momentFormatters.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', year: 'numeric', timeZone });
    momentFormatters.set(key, format);
  }
  return format.format(new Date(moment));
}

/** "Friday 11 May 2018": Intl's en-GB adds a comma after the weekday that British style guides drop. */
export function longDate(date: string, locale = 'en-GB'): string {
  return labelOf(date, locale, true);
}

/** "Friday 11 May": a day in the week, as the meetings list heads it. */
export function dayLabel(date: string, locale = 'en-GB'): string {
  return labelOf(date, locale, false);
}

/**
 * The labels made so far: an archive page lists hundreds of items with their issue's date, a rebuild
 * after one edit remade them all, and every email heads its meetings by day (Intl's formatting was
 * a fifth of the tag pages' time, and 70 ms of a `check --all` of 520 issues).
 */
const labels = new Map<string, string>();

function labelOf(date: string, locale: string, withYear: boolean): string {
  const key = `${locale}|${withYear ? 'y' : 'd'}|${date}`;
  let label = labels.get(key);
  if (label === undefined) {
    label = withoutWeekdayComma(formatter(locale, withYear).format(dayOf(date)));
    // Bounded for a long-running server; the archive's dates are a few thousand.
    if (labels.size >= 50_000) labels.clear();
    labels.set(key, label);
  }
  return label;
}

function withoutWeekdayComma(text: string): string {
  return text.replace(/^(\p{L}+),/u, '$1');
}

export function addDays(date: string, days: number): string {
  const d = dayOf(date);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** 0 = Sunday ... 6 = Saturday. */
export function weekday(date: string): number {
  return dayOf(date).getUTCDay();
}

/** A moment to the minute, as the CLI and the studio show it: "2026-05-11 09:00 UTC". */
export function utcMinute(moment: string | Date): string {
  const iso = typeof moment === 'string' ? moment : moment.toISOString();
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}
