import { z } from 'zod';
import type { SchemaRule } from '../diagnostics/catalogue.js';
import { ISO_DATE, isCalendarDate } from '../support/dates.js';
import { parseUrl } from '../support/errors.js';

/** The value types front matter and config are written in: dates, one-line text, web addresses, ids. */

/** Why a text is not a date, as the catalogue's case: its form, or (for 2018-02-30) the calendar. */
function notADate(value: string): SchemaRule {
  const match = ISO_DATE.exec(value);
  if (!match) return { problem: 'invalid-value', params: { case: 'date-form', value } };
  const [y, m] = [Number(match[1]), Number(match[2])];
  if (m < 1 || m > 12)
    return { problem: 'invalid-value', params: { case: 'no-such-month', value, month: match[2]! } };
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const month = new Intl.DateTimeFormat('en-GB', { month: 'long', timeZone: 'UTC' }).format(
    new Date(Date.UTC(y, m - 1, 1)),
  );
  return { problem: 'invalid-value', params: { case: 'no-such-day', value, month, year: y, days } };
}

/**
 * Reports a value that breaks a rule of the schema: a code of the problem catalogue and its case,
 * never words of its own (content/validate.ts adds the key's name and makes it a problem).
 */
export function breaksRule(ctx: z.RefinementCtx, rule: SchemaRule, path?: PropertyKey[]): void {
  ctx.addIssue({ code: 'custom', params: rule, ...(path ? { path } : {}) });
}

export const isoDate = z.string().superRefine((value, ctx) => {
  if (!isCalendarDate(value)) breaksRule(ctx, notADate(value));
});

/** Text shown on one line (titles, names, subjects): CR or LF here could inject mail headers. */
export const oneLine = z
  .string()
  .trim()
  .min(1)
  .superRefine((value, ctx) => {
    if (/[\r\n\u2028\u2029]/.test(value)) breaksRule(ctx, { problem: 'multiline-text', params: {} });
  });

export const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/);

export const webUrl = z.string().superRefine((value, ctx) => {
  const ok = ['http:', 'https:', 'mailto:'].includes(parseUrl(value)?.protocol ?? '');
  if (!ok) breaksRule(ctx, { problem: 'unsafe-url', params: { value } });
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
