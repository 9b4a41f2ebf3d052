import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { isErrno } from '../support/errors.js';
import type { SendLedger, SendWorker, WorkerIdentity } from './ledger.js';

/** How long a worker's hold on its rows lasts without a heartbeat: long enough for a stalled disk. */
export const DEFAULT_LEASE_MS = 30_000;

/** The lease length: BULLETIN_SEND_LEASE_MS (tests shorten it), else 30 s. */
export function leaseMsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const asked = Number(env.BULLETIN_SEND_LEASE_MS);
  return Number.isFinite(asked) && asked >= 30 ? asked : DEFAULT_LEASE_MS;
}

/**
 * This process's place in a send shared by several workers: joined with a lease that a heartbeat
 * renews every third of it, so a worker that dies (or hangs longer than the lease) leaves its rows
 * to the others. A heartbeat that cannot be written is reported through `onError`: a worker that
 * cannot renew its lease must stop before another takes its rows.
 */
export class WorkerLease {
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly ledger: SendLedger,
    readonly identity: WorkerIdentity,
  ) {}

  static async join(
    ledger: SendLedger,
    issue: string,
    list: string,
    leaseMs: number,
    onError: (error: unknown) => void,
  ): Promise<WorkerLease> {
    const host = hostname();
    const identity = { id: `${host}/${process.pid}/${randomUUID().slice(0, 8)}`, host, pid: process.pid };
    const lease = new WorkerLease(ledger, identity);
    const now = new Date();
    await ledger.join(issue, list, identity, now, new Date(now.getTime() + leaseMs));
    lease.timer = setInterval(
      () => {
        const at = new Date();
        lease.ledger.heartbeat(identity.id, at, new Date(at.getTime() + leaseMs)).catch(onError);
      },
      Math.max(10, Math.floor(leaseMs / 3)),
    );
    // The send keeps the process alive, not its heartbeat.
    lease.timer.unref();
    return lease;
  }

  get id(): string {
    return this.identity.id;
  }

  /** Stops renewing: the rows this worker holds are recovered once the lease runs out. */
  stop(): void {
    clearInterval(this.timer);
  }

  /** A clean stop: claimed rows go back to pending at once. */
  async leave(): Promise<void> {
    this.stop();
    await this.ledger.leave(this.identity.id, new Date());
  }
}

/**
 * Ends the leases of workers of this send on this machine whose process is gone (killed, crashed),
 * so their rows are recovered now rather than when the lease runs out. Another machine's worker
 * cannot be asked; its lease is the only word on it. Returns how many were expired.
 */
export async function expireDeadNeighbours(
  ledger: SendLedger,
  issue: string,
  list: string,
  self: WorkerIdentity,
  now: Date,
): Promise<number> {
  let expired = 0;
  for (const worker of await ledger.workers(issue, list)) {
    const holding = worker.stoppedAt === null && Date.parse(worker.leaseUntil) > now.getTime();
    if (!holding || worker.id === self.id || worker.host !== self.host || worker.pid === self.pid) continue;
    if (processIsGone(worker.pid)) {
      await ledger.expire(worker.id, now);
      expired++;
    }
  }
  return expired;
}

/** What a worker is doing, as `status` shows it: sending, left cleanly, or gone without leaving. */
export type WorkerState = 'live' | 'stopped' | 'lease expired';

export function workerState(worker: SendWorker, now: Date): WorkerState {
  if (worker.stoppedAt) return 'stopped';
  return Date.parse(worker.leaseUntil) > now.getTime() ? 'live' : 'lease expired';
}

function processIsGone(pid: number): boolean {
  try {
    // Signal 0 checks for the process without touching it; EPERM means it exists, as another user's.
    process.kill(pid, 0);
    return false;
  } catch (error) {
    if (isErrno(error, 'ESRCH')) return true;
    if (isErrno(error, 'EPERM')) return false;
    throw error;
  }
}
