import { createHash } from 'node:crypto';
import type { Config } from '../content/model.js';
import type { EmailLayout } from '../render/email/compile.js';
import { utcMinute } from '../support/dates.js';

export interface Approval {
  approver: string;
  approvedAt: string;
  hash: string;
}

/**
 * What is approved: the email exactly as it will be filled for each subscriber (subject, layout
 * and content of both parts). Any change to what subscribers would read changes the hash.
 */
export function issueHash(layout: EmailLayout): string {
  const hash = createHash('sha256');
  for (const part of [
    layout.subject,
    layout.preheader,
    layout.html.layout,
    JSON.stringify(layout.html.slots),
    layout.text.layout,
    JSON.stringify(layout.text.slots),
  ])
    hash.update(part).update('\0');
  return hash.digest('hex');
}

/**
 * Approvals as `approve`, `send`, `serve` and the preview need them; in the site's database, so they
 * survive restarts. Owned here; the engines are in src/store/.
 */
export interface ApprovalStore {
  /** Records (or records again) that `approver` approved the build with this hash. */
  approve(issue: string, hash: string, approver: string, at: Date): Promise<void>;
  /** Every approval of the issue, newest first, whatever build it was of. */
  of(issue: string): Promise<Approval[]>;
}

/**
 * Whether the build about to be sent was approved. Says why not in words a comms officer acts on:
 * never approved, or approved before a change (by whom and when).
 */
export function approvalVerdict(
  approvals: readonly Approval[],
  hash: string,
  date: string,
): { ok: true; by: Approval } | { ok: false; reason: string } {
  const current = approvals.find((a) => a.hash === hash);
  if (current) return { ok: true, by: current };
  const earlier = approvals[0];
  if (!earlier)
    return {
      ok: false,
      reason: `${date} has not been approved. Ask an approver to check it and run \`bulletin approve ${date} --by NAME\`.`,
    };
  return {
    ok: false,
    reason: `${date} has changed since ${earlier.approver} approved it (${utcMinute(earlier.approvedAt)}). Ask for approval again: \`bulletin approve ${date} --by NAME\`.`,
  };
}

/** The verdict on a build about to be sent, from the approvals on record. */
export async function approvalOfBuild(
  approvals: ApprovalStore,
  date: string,
  layout: EmailLayout,
): Promise<ReturnType<typeof approvalVerdict>> {
  return approvalVerdict(await approvals.of(date), issueHash(layout), date);
}

/**
 * What `send` asks before a list gets the build: with `approval.required`, the verdict on it;
 * without, nothing to ask (`ok` with no approver).
 */
export async function approvalForSend(
  config: Config,
  approvals: ApprovalStore,
  date: string,
  layout: EmailLayout,
): Promise<{ ok: true; by?: Approval } | { ok: false; reason: string }> {
  return config.approval.required ? approvalOfBuild(approvals, date, layout) : { ok: true };
}
