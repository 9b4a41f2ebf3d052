import type Database from 'better-sqlite3';
import { type RateLimitStore, windowAt } from '../../service/rate-limits.js';
import { GroupCommit } from './group-commit.js';
import type { Committer } from './shared-connection.js';

const HIT = `INSERT INTO rate_limits (key, window_start, count) VALUES (?, ?, 1)
             ON CONFLICT (key, window_start) DO UPDATE SET count = count + 1
             RETURNING count`;
const PURGE = 'DELETE FROM rate_limits WHERE window_start < ?';

/** The service's rate limits in the SQLite database (table `rate_limits`). */
export class SqliteRateLimits implements RateLimitStore {
  private readonly hitStatement: Database.Statement<[string, string], { count: number }>;
  private readonly purgeStatement: Database.Statement<[string]>;
  /** A flood of requests shares its fsyncs; each count is read in the same statement that raised it. */
  private readonly committer: Committer;

  /**
   * With `ownsConnection`, close() closes the connection too (as the site's stores do); with
   * `committer`, counts share the commits of the connection's other users.
   */
  constructor(
    private readonly db: Database.Database,
    private readonly options: { ownsConnection?: boolean; committer?: Committer } = {},
  ) {
    this.hitStatement = db.prepare(HIT);
    this.purgeStatement = db.prepare(PURGE);
    this.committer = options.committer ?? new GroupCommit(db);
  }

  async hit(key: string, windowMs: number, now: Date): Promise<{ count: number; resetAt: Date }> {
    return this.committer.run(() => this.hitNow(key, windowMs, now));
  }

  /** `hit`, inside a change of the connection's group commit (service-stores.ts: a sign-up's). */
  hitNow(key: string, windowMs: number, now: Date): { count: number; resetAt: Date } {
    const { start, end } = windowAt(now, windowMs);
    const row = this.hitStatement.get(key, start.toISOString());
    return { count: row!.count, resetAt: end };
  }

  async purge(before: Date): Promise<number> {
    return this.committer.run(() => this.purgeStatement.run(before.toISOString()).changes);
  }

  async close(): Promise<void> {
    this.committer.flush();
    if (this.options.ownsConnection) this.db.close();
  }
}
