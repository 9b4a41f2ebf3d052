import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { problem, startOf } from '../diagnostics/problem.js';
import { sourceText } from '../diagnostics/source-text.js';
import type { FilledApart } from '../render/email/fill-template.js';

/**
 * Gmail clips a message body over 102 KB, and the unsubscribe footer goes with it. The check keeps
 * a margin below it for what the transfer adds (quoted-printable soft line breaks, headers of parts).
 */
export const GMAIL_CLIP_BYTES = 102 * 1024;
const LIMIT_BYTES = Math.floor(GMAIL_CLIP_BYTES * 0.95);

/** A subscriber with the longest fields we expect: the size check measures the email filled for them. */
export const LARGEST_RECIPIENT = {
  email: `${'x'.repeat(64)}@${'y'.repeat(60)}.example`,
  name: 'N'.repeat(80),
  unsubscribeUrl: `https://${'u'.repeat(40)}.example/unsubscribe/${'t'.repeat(160)}`,
  preferencesUrl: `https://${'u'.repeat(40)}.example/preferences/${'t'.repeat(160)}`,
  viewOnlineUrl: `https://${'u'.repeat(40)}.example/issues/2018-05-11/`,
  listName: 'L'.repeat(80),
  subscribedOn: '30 September 2026',
};

/** `issueFile`: the issue.md path, as displayed. */
export function checkEmailSize(issueFile: string, htmlBytes: number): Diagnostic[] {
  if (htmlBytes <= LIMIT_BYTES) return [];
  return [problem('email-too-large', startOf(sourceText(issueFile, '')), { bytes: htmlBytes })];
}

/** A recipient whose unsubscribe link can be found again in what the templates made of it. */
const PROBE = { ...LARGEST_RECIPIENT, unsubscribeUrl: 'https://unsubscribe.probe.invalid/u/PROBE-7f3a' };

/** The fewest characters of plain text a bulletin can have and still be one (a title, a link, a footer). */
const MIN_TEXT_CHARS = 200;

/** At least MIN_TEXT_CHARS characters that are not spaces: one-spaced, the text is no shorter. */
const ENOUGH_TEXT = new RegExp(`^(?:\\s*\\S){${MIN_TEXT_CHARS}}`);

/** Whitespace runs as one space, trimmed: text as it reads. */
function oneSpaced(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The HTML with its slots' values apart (what an issue's content fills in), and the text part. */
type ProbeFill = (recipient: typeof PROBE) => { html: FilledApart; text: string };

/**
 * Both checks of an email from one fill of it, for PROBE. The size is the email's for
 * LARGEST_RECIPIENT, who differs from PROBE only in the unsubscribe address: each place the templates
 * put PROBE's address holds LARGEST_RECIPIENT's instead. Exact, as neither address has a character
 * HTML escapes, and `if`, the one helper a fill may use, takes both as present. (A second fill, for
 * LARGEST_RECIPIENT, was a third of the fills a `check` of an issue made.) The HTML is never joined
 * whole: see FilledApart for why.
 */
export function checkEmail(
  issueFile: string,
  templateDir: string,
  fill: ProbeFill,
  titles: readonly string[] = [],
): Diagnostic[] {
  const filled = fill(PROBE);
  return [
    ...checkEmailSize(issueFile, largestRecipientBytes(filled.html)),
    ...partsProblems(templateDir, filled, titles),
  ];
}

/**
 * The HTML's size in bytes filled for LARGEST_RECIPIENT, from the same HTML filled for PROBE. Bytes
 * add up across the pieces, as each slot value is a whole string (no pair of UTF-16 surrogates is cut
 * in two). PROBE's address is counted in each piece: an address printed half by a slot and half by
 * the template around it would go uncounted, which only content that writes part of it can do.
 */
export function largestRecipientBytes(probeHtml: FilledApart): number {
  const longer = LARGEST_RECIPIENT.unsubscribeUrl.length - PROBE.unsubscribeUrl.length;
  let bytes = 0;
  for (const piece of [probeHtml.text, ...probeHtml.slots.map(({ value }) => value)]) {
    bytes += Buffer.byteLength(piece) + occurrences(piece, PROBE.unsubscribeUrl) * longer;
  }
  return bytes;
}

function occurrences(text: string, part: string): number {
  let count = 0;
  for (let at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length)) count++;
  return count;
}

/** Fills an email for the recipient the email checks use. */
export function fillForChecks<T>(fill: (recipient: typeof PROBE) => T): T {
  return fill(PROBE);
}

/**
 * What a custom template can lose that the law and the mailbox providers need: a plain-text part
 * with the bulletin in it, and the unsubscribe link in both parts (CAN-SPAM, GDPR, and Gmail's
 * bulk-sender rules). `templateDir`: the email templates folder, as displayed.
 */
export function checkEmailParts(templateDir: string, fill: ProbeFill, titles: readonly string[] = []) {
  return partsProblems(templateDir, fill(PROBE), titles);
}

function partsProblems(
  templateDir: string,
  { html, text }: { html: FilledApart; text: string },
  titles: readonly string[],
): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const at = (name: string) => startOf(sourceText(`${templateDir}/email/${name}`, ''));
  // The text as a reader sees it, made only where the text itself does not answer: a title found in it
  // as written is found in it one-spaced too (its spaces are single between non-spaces), and enough
  // non-spaces make it long enough. Made for every email, it was ~80 ms of a cold `build --all` of
  // 520 issues (perf, the stages' thread), for titles that are written on one line.
  let oneSpacedText: string | undefined;
  const visibleText = () => {
    oneSpacedText ??= oneSpaced(text);
    return oneSpacedText;
  };
  const missing = titles.filter((title) => {
    const visibleTitle = oneSpaced(title);
    return !text.includes(visibleTitle) && !visibleText().includes(visibleTitle);
  });
  if (!ENOUGH_TEXT.test(text) && visibleText().length < MIN_TEXT_CHARS) {
    problems.push(problem('text-part-empty', at('email.txt.hbs'), { characters: visibleText().length }));
  } else if (missing.length) {
    problems.push(problem('text-part-incomplete', at('email.txt.hbs'), { missing }));
  }
  const unsubscribeHref = new RegExp(
    `href\\s*=\\s*["']${PROBE.unsubscribeUrl.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}["']`,
  );
  // The link must be the template's own: what the slots print is the issue's content. (A layout that
  // is filled whole, not in pieces, has no slots apart: all of it counts as the template's.)
  if (!unsubscribeHref.test(html.text)) {
    problems.push(problem('unsubscribe-missing', at('email.mjml.hbs'), { part: 'html' }));
  }
  if (!text.includes(PROBE.unsubscribeUrl)) {
    problems.push(problem('unsubscribe-missing', at('email.txt.hbs'), { part: 'text' }));
  }
  return problems;
}
