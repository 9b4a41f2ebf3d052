import { diagnose, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Issue } from '../content/model.js';

/** Gmail clips a message body over 102 KB, and the unsubscribe footer goes with it. */
export const GMAIL_CLIP_BYTES = 102 * 1024;

export function checkEmailSize(issue: Issue, htmlBytes: number): Diagnostic[] {
  if (htmlBytes <= GMAIL_CLIP_BYTES) return [];
  return [
    diagnose(issue.lead.file.source, { line: 1, column: 1 }, 'email-too-large', `The email's HTML is ${(htmlBytes / 1024).toFixed(1)} KB; Gmail clips anything over 102 KB, hiding the end of the bulletin and its unsubscribe link.`, 'Shorten the longest items, or move them to the web and link to them.'),
  ];
}
