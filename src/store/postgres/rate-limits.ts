import type pg from 'pg';
import type { RateLimitStore } from '../../service/rate-limits.js';
import { RATE_LIMIT_SQL as SQL } from './queries.js';

/** The service's rate limits counted in the database, so every `serve` on it shares them. */
export class PostgresRateLimitStore implements RateLimitStore {
  constructor(private readonly pool: pg.Pool) {}

  async hit(key: string, windowMs: number, now: Date): Promise<{ count: number; resetAt: Date }> {
    const start = Math.floor(now.getTime() / windowMs) * windowMs;
    // One statement: the insert or the increment is atomic, whichever server's hit comes first.
    const { rows } = await this.pool.query(SQL.hit, [key, new Date(start)]);
    return { count: (rows[0] as { count: number }).count, resetAt: new Date(start + windowMs) };
  }

  /** Windows that started before `before`: callers pass now minus the longest window they use. */
  async purge(before: Date): Promise<number> {
    return (await this.pool.query(SQL.purge, [before])).rowCount ?? 0;
  }
}
