import { z } from 'zod';
import { parseUrl } from '../support/errors.js';

/** The value types front matter and config are written in: dates, one-line text, web addresses, ids. */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isCalendarDate(text: string): boolean {
  const match = ISO_DATE.exec(text);
  if (!match) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** Why a text is not a date: its form, or (for 2018-02-30) the calendar. */
function notADate(text: string): string {
  const match = ISO_DATE.exec(text);
  if (!match) return `"${text}" is not a date written YYYY-MM-DD.`;
  const [y, m] = [Number(match[1]), Number(match[2])];
  if (m < 1 || m > 12) return `"${text}" is not a real date: there is no month ${match[2]}.`;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const month = new Intl.DateTimeFormat('en-GB', { month: 'long', timeZone: 'UTC' }).format(
    new Date(Date.UTC(y, m - 1, 1)),
  );
  return `"${text}" is not a real date: ${month} ${y} has ${days} days.`;
}

export const isoDate = z.string().superRefine((value, ctx) => {
  if (!isCalendarDate(value)) {
    ctx.addIssue({
      code: 'custom',
      message: notADate(value),
      params: {
        problem: 'invalid-value',
        hint: 'Write the date as YYYY-MM-DD, for example 2018-05-11, without quotes.',
      },
    });
  }
});

/** Text shown on one line (titles, names, subjects): CR or LF here could inject mail headers. */
export const oneLine = z
  .string()
  .trim()
  .min(1)
  .superRefine((value, ctx) => {
    if (/[\r\n\u2028\u2029]/.test(value)) {
      ctx.addIssue({
        code: 'custom',
        message: 'This text must be on one line, but it contains a line break.',
        params: {
          problem: 'multiline-text',
          hint: 'Write it on one line: remove the line break (a \\n or \\r inside quotes, or a | or > block).',
        },
      });
    }
  });

export const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/);

export const webUrl = z.string().superRefine((value, ctx) => {
  const ok = ['http:', 'https:', 'mailto:'].includes(parseUrl(value)?.protocol ?? '');
  if (!ok) {
    ctx.addIssue({
      code: 'custom',
      message: `"${value}" is not a web address.`,
      params: {
        problem: 'unsafe-url',
        hint: 'Use a full address starting with https:// (or mailto: for email).',
      },
    });
  }
});

export const id = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/);
/** A reference to a configured id: checked against the config afterwards, with did-you-mean. */
export const ref = z.string().min(1);
export const email = z.email();

export const contact = z.strictObject({
  name: oneLine,
  email: email.optional(),
  phone: oneLine.optional(),
});

export const link = z.strictObject({ text: oneLine, url: webUrl });
