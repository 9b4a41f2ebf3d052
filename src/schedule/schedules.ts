import type Database from 'better-sqlite3';
import { openDatabase } from '../subscribers/sqlite-store.js';

export type ScheduleState = 'scheduled' | 'running' | 'done' | 'missed' | 'failed' | 'cancelled';

export interface Schedule {
  issue: string;
  list: string;
  /** ISO 8601, UTC. */
  at: string;
  state: ScheduleState;
  detail: string | null;
}

// P (issue 13): ScheduleStore as store-spec.md gives it, so the PostgreSQL one compiles; S's file replaces it.
export interface ScheduleStore {
  put(issue: string, list: string, at: Date): Promise<{ ok: true } | { ok: false; state: ScheduleState }>;
  get(issue: string, list: string): Promise<Schedule | undefined>;
  all(): Promise<Schedule[]>;
  due(now: Date): Promise<Schedule[]>;
  claim(issue: string, list: string, runner: string, now: Date, leaseUntil: Date): Promise<boolean>;
  renew(issue: string, list: string, runner: string, leaseUntil: Date): Promise<boolean>;
  mark(issue: string, list: string, state: ScheduleState, detail?: string): Promise<void>;
}

/** Scheduled sends, in the site's database: one per issue and list, so a restart finds them. */
export class SqliteSchedules {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = openDatabase(path);
  }

  /** Schedules (or moves) a send; a finished one is not scheduled again. */
  put(issue: string, list: string, at: Date): { ok: true } | { ok: false; state: ScheduleState } {
    const existing = this.get(issue, list);
    if (existing && (existing.state === 'done' || existing.state === 'running'))
      return { ok: false, state: existing.state };
    this.db
      .prepare(
        "INSERT INTO schedules (issue, list_id, at, state, detail, updated_at) VALUES (?, ?, ?, 'scheduled', NULL, ?) ON CONFLICT(issue, list_id) DO UPDATE SET at = excluded.at, state = 'scheduled', detail = NULL, updated_at = excluded.updated_at",
      )
      .run(issue, list, at.toISOString(), new Date().toISOString());
    return { ok: true };
  }

  get(issue: string, list: string): Schedule | undefined {
    return this.db
      .prepare(
        'SELECT issue, list_id AS list, at, state, detail FROM schedules WHERE issue = ? AND list_id = ?',
      )
      .get(issue, list) as Schedule | undefined;
  }

  all(): Schedule[] {
    return this.db
      .prepare('SELECT issue, list_id AS list, at, state, detail FROM schedules ORDER BY at')
      .all() as Schedule[];
  }

  /**
   * Sends whose time has come. A `running` one was cut short by a restart: it is due again, and
   * the send ledger makes sure nobody gets it twice.
   */
  due(now: Date): Schedule[] {
    return this.db
      .prepare(
        "SELECT issue, list_id AS list, at, state, detail FROM schedules WHERE state IN ('scheduled', 'running') AND at <= ? ORDER BY at",
      )
      .all(now.toISOString()) as Schedule[];
  }

  mark(issue: string, list: string, state: ScheduleState, detail?: string): void {
    this.db
      .prepare('UPDATE schedules SET state = ?, detail = ?, updated_at = ? WHERE issue = ? AND list_id = ?')
      .run(state, detail ?? null, new Date().toISOString(), issue, list);
  }

  close(): void {
    this.db.close();
  }
}
