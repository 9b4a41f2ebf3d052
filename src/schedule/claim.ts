import type { ScheduleState, ScheduleStore } from './schedules.js';

/** One runner's hold on one due schedule, renewed while it works. */
export interface HeldSchedule {
  /** Aborts when the hold is lost (another runner took it over after the lease ran out). */
  signal: AbortSignal;
  lost(): boolean;
  /** Records the outcome, unless the hold was lost meanwhile (the new holder records its own). */
  mark(state: ScheduleState, detail?: string): Promise<void>;
  /** Stops renewing; a hold still in place (a send left for later) ends now, for the next start to take. */
  end(): Promise<void>;
}

/**
 * Claims a due schedule for `runner` until `leaseMs` from now, renewed every third of that until
 * `end()`: undefined when another runner holds it. A runner that dies stops renewing, and another
 * takes the schedule over once its lease has run out.
 */
export async function holdSchedule(
  schedules: ScheduleStore,
  schedule: { issue: string; list: string },
  runner: string,
  leaseMs: number,
  clock: () => Date,
): Promise<HeldSchedule | undefined> {
  const { issue, list } = schedule;
  const now = clock();
  if (!(await schedules.claim(issue, list, runner, now, new Date(now.getTime() + leaseMs)))) return undefined;
  const lost = new AbortController();
  // Once an outcome is recorded the claim is over: a renewal refused after that is no takeover.
  let settled = false;
  let renewing = Promise.resolve();
  const timer = setInterval(() => {
    renewing = renewing.then(async () => {
      if (settled) return;
      const held = await schedules
        .renew(issue, list, runner, new Date(clock().getTime() + leaseMs))
        .catch((error: Error) => error);
      // A database that does not answer is not a takeover: the next renewal may still land in time.
      if (held === false && !settled) lost.abort();
    });
  }, leaseMs / 3);
  return {
    signal: lost.signal,
    lost: () => lost.signal.aborted,
    async mark(state, detail) {
      if (lost.signal.aborted) return;
      if (state !== 'running') settled = true;
      await schedules.mark(issue, list, state, detail);
    },
    async end() {
      clearInterval(timer);
      await renewing;
      if (!lost.signal.aborted && !settled) await schedules.renew(issue, list, runner, clock());
    },
  };
}
