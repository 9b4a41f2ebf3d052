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
    diagnose(sourceText(issueFile, ''), { line: 1, column: 1 }, 'email-too-large', `The email's HTML is ${(htmlBytes / 1024).toFixed(1)} KB per subscriber; Gmail clips anything over 102 KB (Bulletin keeps 5% in hand), hiding the end of the bulletin and its unsubscribe link.`, 'Shorten the longest items, or move them to the web and link to them.'),
  ];
}
