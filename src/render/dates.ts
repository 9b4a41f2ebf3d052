/** Dates in content are calendar days (YYYY-MM-DD) with no time zone; format them as such, in UTC. */
export function dayOf(date: string): Date {
  return new Date(`${date}T00:00:00Z`);
}

/** "Friday 11 May 2018": Intl's en-GB adds a comma after the weekday that British style guides drop. */
export function longDate(date: string, locale = 'en-GB'): string {
  return withoutWeekdayComma(new Intl.DateTimeFormat(locale, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(dayOf(date)));
}

export function dayLabel(date: string, locale = 'en-GB'): string {
  return withoutWeekdayComma(new Intl.DateTimeFormat(locale, { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' }).format(dayOf(date)));
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
