import { diagnose, type Diagnostic } from '../diagnostics/diagnostic.js';
import { sourceText } from '../diagnostics/source-text.js';

/** Gmail clips a message body over 102 KB, and the unsubscribe footer goes with it. */
export const GMAIL_CLIP_BYTES = 102 * 1024;

/** `issueFile`: the issue.md path, as displayed. */
export function checkEmailSize(issueFile: string, htmlBytes: number): Diagnostic[] {
  if (htmlBytes <= GMAIL_CLIP_BYTES) return [];
  return [
    diagnose(sourceText(issueFile, ''), { line: 1, column: 1 }, 'email-too-large', `The email's HTML is ${(htmlBytes / 1024).toFixed(1)} KB; Gmail clips anything over 102 KB, hiding the end of the bulletin and its unsubscribe link.`, 'Shorten the longest items, or move them to the web and link to them.'),
  ];
}
