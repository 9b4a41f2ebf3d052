import type Database from 'better-sqlite3';
import type { Schedule, ScheduleState, ScheduleStore } from '../../schedule/schedules.js';
import { openDatabase } from './open.js';
import { SCHEDULES as Q } from './queries.js';

/** Scheduled sends in the site's SQLite file (table `schedules`). */
export class SqliteSchedules implements ScheduleStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = openDatabase(path);
  }

  async put(
    issue: string,
    list: string,
    at: Date,
  ): Promise<{ ok: true } | { ok: false; state: ScheduleState }> {
    // IMMEDIATE: read and written under one lock, so a runner cannot start it in between.
    return this.db
      .transaction((): { ok: true } | { ok: false; state: ScheduleState } => {
        const existing = this.db.prepare(Q.state).get(issue, list) as { state: ScheduleState } | undefined;
        if (existing && (existing.state === 'done' || existing.state === 'running'))
          return { ok: false, state: existing.state };
        this.db.prepare(Q.put).run(issue, list, at.toISOString(), new Date().toISOString());
        return { ok: true };
      })
      .immediate();
  }

  async get(issue: string, list: string): Promise<Schedule | undefined> {
    return this.db.prepare(Q.get).get(issue, list) as Schedule | undefined;
  }

  async all(): Promise<Schedule[]> {
    return this.db.prepare(Q.all).all() as Schedule[];
  }

  async due(now: Date): Promise<Schedule[]> {
    return this.db.prepare(Q.due).all(now.toISOString()) as Schedule[];
  }

  async claim(issue: string, list: string, runner: string, now: Date, leaseUntil: Date): Promise<boolean> {
    const at = now.toISOString();
    return (
      this.db.prepare(Q.claim).run(runner, leaseUntil.toISOString(), issue, list, at, runner, at).changes ===
      1
    );
  }

  async renew(issue: string, list: string, runner: string, leaseUntil: Date): Promise<boolean> {
    return this.db.prepare(Q.renew).run(leaseUntil.toISOString(), issue, list, runner).changes === 1;
  }

  async mark(issue: string, list: string, state: ScheduleState, detail?: string): Promise<void> {
    this.db.prepare(Q.mark).run(state, detail ?? null, new Date().toISOString(), state, state, issue, list);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
