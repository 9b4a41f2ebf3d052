import type Database from 'better-sqlite3';
import type { Approval, ApprovalStore } from '../../approval/approvals.js';
import { openDatabase } from './open.js';
import { APPROVALS as Q } from './queries.js';

/** Approvals in the site's SQLite file (table `approvals`), so they survive restarts. */
export class SqliteApprovals implements ApprovalStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = openDatabase(path);
  }

  async approve(issue: string, hash: string, approver: string, at: Date): Promise<void> {
    this.db.prepare(Q.approve).run(issue, hash, approver, at.toISOString());
  }

  async of(issue: string): Promise<Approval[]> {
    return this.db.prepare(Q.of).all(issue) as Approval[];
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
