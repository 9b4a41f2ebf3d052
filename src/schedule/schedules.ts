export type ScheduleState = 'scheduled' | 'running' | 'done' | 'missed' | 'failed' | 'cancelled';

export interface Schedule {
  issue: string;
  list: string;
  /** ISO 8601, UTC. */
  at: string;
  state: ScheduleState;
  detail: string | null;
}

/**
 * Scheduled sends as `schedule`, `status` and `serve` need them: one per issue and list, in the
 * site's database, so a restart finds them. Owned here; the engines are in src/store/.
 */
export interface ScheduleStore {
  /** Schedules (or moves) a send; a finished or running one is not scheduled again. */
  put(issue: string, list: string, at: Date): Promise<{ ok: true } | { ok: false; state: ScheduleState }>;
  get(issue: string, list: string): Promise<Schedule | undefined>;
  /** Every schedule, soonest first. */
  all(): Promise<Schedule[]>;
  /**
   * Sends whose time has come. A `running` one was cut short by a restart: it is due again, and
   * the send ledger makes sure nobody gets it twice.
   */
  due(now: Date): Promise<Schedule[]>;
  /**
   * Takes a due schedule for one runner (a `serve`) until `leaseUntil`; false when another runner
   * holds a claim that has not ended by `now`. Two servers over one database never run one send twice.
   */
  claim(issue: string, list: string, runner: string, now: Date, leaseUntil: Date): Promise<boolean>;
  /** Moves this runner's claim on while it sends; false if it no longer holds it. */
  renew(issue: string, list: string, runner: string, leaseUntil: Date): Promise<boolean>;
  /**
   * Records the outcome; any state but `running` (the runner's note on its progress) also ends the
   * claim.
   */
  mark(issue: string, list: string, state: ScheduleState, detail?: string): Promise<void>;
}
