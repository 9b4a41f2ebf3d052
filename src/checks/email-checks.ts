import { diagnose, type Diagnostic } from '../diagnostics/diagnostic.js';
import { sourceText } from '../diagnostics/source-text.js';

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
};

/** `issueFile`: the issue.md path, as displayed. */
export function checkEmailSize(issueFile: string, htmlBytes: number): Diagnostic[] {
  if (htmlBytes <= LIMIT_BYTES) return [];
  return [
    diagnose(
      sourceText(issueFile, ''),
      { line: 1, column: 1 },
      'email-too-large',
      `The email's HTML is ${(htmlBytes / 1024).toFixed(1)} KB per subscriber; Gmail clips anything over 102 KB (Bulletin keeps 5% in hand), hiding the end of the bulletin and its unsubscribe link.`,
      'Shorten the longest items, or move them to the web and link to them.',
    ),
  ];
}

/** A recipient whose unsubscribe link can be found again in what the templates made of it. */
const PROBE = { ...LARGEST_RECIPIENT, unsubscribeUrl: 'https://unsubscribe.probe.invalid/u/PROBE-7f3a' };

/** The fewest characters of plain text a bulletin can have and still be one (a title, a link, a footer). */
const MIN_TEXT_CHARS = 200;

/**
 * What a custom template can lose that the law and the mailbox providers need: a plain-text part
 * with the bulletin in it, and the unsubscribe link in both parts (CAN-SPAM, GDPR, and Gmail's
 * bulk-sender rules). `templateDir`: the email templates folder, as displayed.
 */
export function checkEmailParts(
  templateDir: string,
  fill: (recipient: typeof PROBE) => { html: string; text: string },
  titles: readonly string[] = [],
): Diagnostic[] {
  const { html, text } = fill(PROBE);
  const problems: Diagnostic[] = [];
  const at = (name: string) => sourceText(`${templateDir}/email/${name}`, '');
  const visibleText = text.replace(/\s+/g, ' ').trim();
  const missing = titles.filter((title) => !visibleText.includes(title.replace(/\s+/g, ' ').trim()));
  if (visibleText.length < MIN_TEXT_CHARS) {
    problems.push(
      diagnose(
        at('email.txt.hbs'),
        { line: 1, column: 1 },
        'text-part-empty',
        `The plain-text part has only ${visibleText.length} characters; subscribers whose mail app shows text, and spam filters, would see an empty bulletin.`,
        'Restore the items loop in email.txt.hbs (compare with the built-in templates/email/email.txt.hbs).',
      ),
    );
  } else if (missing.length) {
    problems.push(
      diagnose(
        at('email.txt.hbs'),
        { line: 1, column: 1 },
        'text-part-incomplete',
        `The plain-text part leaves out ${missing.length === 1 ? 'an item' : `${missing.length} items`} the HTML has: ${missing.map((t) => `"${t}"`).join(', ')}.`,
        'Check the loops and section names in email.txt.hbs (compare with the built-in templates/email/email.txt.hbs).',
      ),
    );
  }
  const unsubscribeHref = new RegExp(
    `href\\s*=\\s*["']${PROBE.unsubscribeUrl.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}["']`,
  );
  if (!unsubscribeHref.test(html)) {
    problems.push(
      diagnose(
        at('email.mjml.hbs'),
        { line: 1, column: 1 },
        'unsubscribe-missing',
        "The HTML email has no unsubscribe link; the law and Gmail's bulk-sender rules require one in every bulletin.",
        'Link to {{recipient.unsubscribeUrl}} in the footer of email.mjml.hbs, e.g. <a href="{{recipient.unsubscribeUrl}}">Unsubscribe</a>.',
      ),
    );
  }
  if (!text.includes(PROBE.unsubscribeUrl)) {
    problems.push(
      diagnose(
        at('email.txt.hbs'),
        { line: 1, column: 1 },
        'unsubscribe-missing',
        'The plain-text part has no unsubscribe link.',
        'Add "Unsubscribe: {{recipient.unsubscribeUrl}}" to the end of email.txt.hbs.',
      ),
    );
  }
  return problems;
}
