import type { ReportedRecipient } from '../report.js';
import { parseFieldGroups, withoutType } from './field-groups.js';
import { bareAddress, oneLine } from './one-line.js';
import { bestStatus } from './status-code.js';
import { verdictFor } from './verdict.js';

/** An RFC 3464 `message/delivery-status` body: one recipient per per-recipient field group. */
export function readDeliveryStatus(body: string): { recipients: ReportedRecipient[]; originalMessageId?: string } {
  const groups = parseFieldGroups(body);
  const recipients: ReportedRecipient[] = [];
  let originalMessageId: string | undefined;
  for (const group of groups) {
    // Gmail and Exchange name the bounced message in the per-message group.
    originalMessageId ??= group.get('x-original-message-id') ?? group.get('original-message-id');
    const named = group.get('final-recipient') ?? group.get('original-recipient');
    if (named === undefined && !group.has('action') && !group.has('status')) continue;
    // Exim writes what happened locally (a full mailbox, a retry timeout) in its own field.
    const diagnostic = oneLine(withoutType(group.get('diagnostic-code') ?? group.get('x-exim-diagnostic')));
    const status = bestStatus(group.get('status'), diagnostic);
    const action = group.get('action');
    recipients.push({
      // Final-Recipient is what the last MTA tried; Original-Recipient, if any, is what we sent to.
      address: bareAddress(group.get('original-recipient')) || bareAddress(named),
      ...(status ? { status } : {}),
      ...(diagnostic ? { diagnostic } : {}),
      verdict: verdictFor({ status, diagnostic, action }),
    });
  }
  return { recipients, ...(originalMessageId ? { originalMessageId: originalMessageId.trim() } : {}) };
}
