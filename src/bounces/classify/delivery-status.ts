import type { ReportedRecipient } from '../report.js';
import { parseFieldGroups, withoutType } from './field-groups.js';
import { bareAddress, oneLine } from './one-line.js';
import { bestStatus } from './status-code.js';
import { verdictFor } from './verdict.js';

/**
 * An RFC 3464 `message/delivery-status` body: one recipient per per-recipient field group.
 * `proseFor` gives what the report's human-readable part says about an address, for the MTAs
 * (Exchange) that leave the Diagnostic-Code out of the machine-readable part.
 */
export function readDeliveryStatus(
  body: string,
  proseFor: (address: string) => string | undefined = () => undefined,
): { recipients: ReportedRecipient[]; originalMessageId?: string } {
  const groups = parseFieldGroups(body);
  const recipients: ReportedRecipient[] = [];
  let originalMessageId: string | undefined;
  for (const group of groups) {
    // Gmail and Exchange name the bounced message in the per-message group.
    originalMessageId ??= group.get('x-original-message-id') ?? group.get('original-message-id');
    const named = group.get('final-recipient') ?? group.get('original-recipient');
    if (named === undefined && !group.has('action') && !group.has('status')) continue;
    // Final-Recipient is what the last MTA tried; Original-Recipient, if any, is what we sent to.
    const address = bareAddress(group.get('original-recipient')) || bareAddress(named);
    // Exim writes what happened locally (a full mailbox, a retry timeout) in its own field.
    const given = withoutType(group.get('diagnostic-code') ?? group.get('x-exim-diagnostic'));
    const diagnostic = oneLine(given ?? (address ? proseFor(address) : undefined));
    const status = bestStatus(group.get('status'), diagnostic);
    const action = group.get('action');
    recipients.push({
      address,
      ...(status ? { status } : {}),
      ...(diagnostic ? { diagnostic } : {}),
      verdict: verdictFor({ status, diagnostic, action }),
    });
  }
  return { recipients, ...(originalMessageId ? { originalMessageId: originalMessageId.trim() } : {}) };
}
