import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Config } from '../content/model.js';
import type { EmailLayout } from '../render/email/compile.js';
import { utcMinute } from '../support/dates.js';
import { openDatabase } from '../subscribers/sqlite-store.js';

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

// P (issue 13): ApprovalStore as store-spec.md gives it, so the PostgreSQL one compiles; S's file replaces it.
export interface ApprovalStore {
  approve(issue: string, hash: string, approver: string, at: Date): Promise<void>;
  of(issue: string): Promise<Approval[]>;
}

/** Approvals as `approve` and `send` need them; in the site's database, so they survive restarts. */
export class SqliteApprovals {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = openDatabase(path);
  }

  approve(issue: string, hash: string, approver: string, at = new Date()): void {
    this.db
      .prepare('INSERT OR REPLACE INTO approvals (issue, hash, approver, approved_at) VALUES (?, ?, ?, ?)')
      .run(issue, hash, approver, at.toISOString());
  }

  /** Every approval of the issue, newest first, whatever build it was of. */
  of(issue: string): Approval[] {
    return this.db
      .prepare(
        'SELECT approver, approved_at AS approvedAt, hash FROM approvals WHERE issue = ? ORDER BY approved_at DESC',
      )
      .all(issue) as Approval[];
  }

  close(): void {
    this.db.close();
  }
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

/** The verdict on a build about to be sent, read from the database at `path`. */
export function approvalOfBuild(
  path: string,
  date: string,
  layout: EmailLayout,
): ReturnType<typeof approvalVerdict> {
  const approvals = new SqliteApprovals(path);
  try {
    return approvalVerdict(approvals.of(date), issueHash(layout), date);
  } finally {
    approvals.close();
  }
}

/**
 * What `send` asks before a list gets the build: with `approval.required`, the verdict on it;
 * without, nothing to ask (`ok` with no approver).
 */
export function approvalForSend(
  config: Config,
  path: string,
  date: string,
  layout: EmailLayout,
): { ok: true; by?: Approval } | { ok: false; reason: string } {
  return config.approval.required ? approvalOfBuild(path, date, layout) : { ok: true };
}
