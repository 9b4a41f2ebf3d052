import type pg from 'pg';
import type { Approval, ApprovalStore } from '../../approval/approvals.js';
import { APPROVAL_SQL as SQL } from './queries.js';

/** Approvals on PostgreSQL: who approved which build of an issue, newest first. */
export class PostgresApprovalStore implements ApprovalStore {
  constructor(private readonly pool: pg.Pool) {}

  async approve(issue: string, hash: string, approver: string, at: Date): Promise<void> {
    await this.pool.query(SQL.approve, [issue, hash, approver, at]);
  }

  async of(issue: string): Promise<Approval[]> {
    return (await this.pool.query(SQL.of, [issue])).rows;
  }
}
