import { listIssueDates } from '../content/issues-dir.js';
import { addDays, isCalendarDate, weekday } from '../support/dates.js';
import { UsageError } from './exit.js';

/** The issue folder the command was run in (`bulletins/2026-11-27/`), if any: the default issue there. */
let standingIn: string | undefined;

export function standInIssue(date: string | undefined): void {
  standingIn = date;
}

/** The issue a command means when none is named: the one whose folder it runs in, else the latest. */
export async function defaultIssue(root: string): Promise<string | undefined> {
  return standingIn ?? (await listIssueDates(root)).pop();
}

/** The dates a command works on: those named, every issue with --all, else the default issue. */
export async function selectDates(
  root: string,
  dates: readonly string[],
  all: boolean | undefined,
): Promise<string[]> {
  if (all && dates.length) throw new UsageError('Give issue dates or --all, not both.');
  for (const date of dates) assertDate(date);
  if (dates.length) return [...new Set(dates)];
  const existing = await listIssueDates(root);
  if (existing.length === 0)
    throw new UsageError('There are no issues in bulletins/ yet. Start one with `bulletin new`.');
  if (all) return existing;
  return [standingIn ?? existing[existing.length - 1]!];
}

export function assertDate(date: string): string {
  if (!isCalendarDate(date))
    throw new UsageError(`"${date}" is not a date written YYYY-MM-DD, e.g. 2018-05-11.`);
  return date;
}

/** The first Friday after `today` (bulletins go out on Fridays; on a Friday, the next one). */
export function comingFriday(today: string): string {
  const days = (5 - weekday(today) + 7) % 7 || 7;
  return addDays(today, days);
}

export function todayIso(now = new Date()): string {
  const local = new Date(now.getTime() - now.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 10);
}
