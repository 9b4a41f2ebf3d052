import type { ReportedRecipient, Verdict } from '../report.js';
import { parseFieldGroups } from './field-groups.js';
import { bareAddress, oneLine } from './one-line.js';

/**
 * An RFC 5965 `message/feedback-report`: a reader's complaint relayed by their provider (Yahoo,
 * Outlook.com's JMRP, Amazon SES...). The complaining address is `Original-Rcpt-To` when the
 * provider tells it, else the `To` of the quoted original; many redact both, which is why the VERP
 * token is what attribution trusts.
 */
export function readFeedbackReport(body: string, quotedTo: string | undefined): ReportedRecipient[] {
  const fields = parseFieldGroups(body)[0] ?? new Map<string, string>();
  const type = (fields.get('feedback-type') ?? 'abuse').toLowerCase();
  const verdict: Verdict = ['abuse', 'fraud', 'virus', 'other'].includes(type) ? 'complaint' : 'unknown';
  const address =
    bareAddress(fields.get('original-rcpt-to')) ||
    bareAddress(fields.get('removal-recipient')) ||
    bareAddress(quotedTo);
  const agent = fields.get('user-agent');
  return [
    {
      address,
      verdict,
      diagnostic: oneLine(`Feedback-Type: ${type}${agent ? ` (${agent})` : ''}`) ?? type,
    },
  ];
}
