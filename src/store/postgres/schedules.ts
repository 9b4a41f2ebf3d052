import type pg from 'pg';
import type { Schedule, ScheduleState, ScheduleStore } from '../../schedule/schedules.js';
import { inTransaction } from './pool.js';
import { SCHEDULE_SQL as SQL } from './queries.js';

/** Scheduled sends on PostgreSQL: a due one is claimed by one runner (a `serve`) under a lease. */
export class PostgresScheduleStore implements ScheduleStore {
  constructor(private readonly pool: pg.Pool) {}

  /** Schedules (or moves) a send; a finished or running one is left as it is. */
  async put(
    issue: string,
    list: string,
    at: Date,
  ): Promise<{ ok: true } | { ok: false; state: ScheduleState }> {
    return inTransaction(this.pool, async (client) => {
      const existing = (await client.query(SQL.stateForUpdate, [issue, list])).rows[0] as
        | { state: ScheduleState }
        | undefined;
      if (existing && (existing.state === 'done' || existing.state === 'running'))
        return { ok: false as const, state: existing.state };
      await client.query(SQL.put, [issue, list, at, new Date()]);
      return { ok: true as const };
    });
  }

  async get(issue: string, list: string): Promise<Schedule | undefined> {
    return (await this.pool.query(SQL.get, [issue, list])).rows[0];
  }

  async all(): Promise<Schedule[]> {
    return (await this.pool.query(SQL.all)).rows;
  }

  async due(now: Date): Promise<Schedule[]> {
    return (await this.pool.query(SQL.due, [now])).rows;
  }

  async claim(issue: string, list: string, runner: string, now: Date, leaseUntil: Date): Promise<boolean> {
    return (await this.pool.query(SQL.claim, [issue, list, runner, now, leaseUntil])).rowCount === 1;
  }

  async renew(issue: string, list: string, runner: string, leaseUntil: Date): Promise<boolean> {
    return (await this.pool.query(SQL.renew, [issue, list, runner, leaseUntil])).rowCount === 1;
  }

  async mark(issue: string, list: string, state: ScheduleState, detail?: string): Promise<void> {
    await this.pool.query(SQL.mark, [issue, list, state, detail ?? null, new Date()]);
  }
}
