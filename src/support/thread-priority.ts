import { getPriority, setPriority } from 'node:os';
import { isMainThread } from 'node:worker_threads';

/**
 * Lowers the calling thread's scheduling priority by `by` (its nice value raised, at most to 19), and
 * says whether it did. Only on Linux, where a thread's priority is its own (elsewhere it is the
 * whole process's), and never on the main thread: an unprivileged thread cannot raise its priority
 * again, and the main thread may live on (a server). Threads and processes started from the thread
 * afterwards inherit its priority.
 */
export function lowerThisThreadPriority(by: number): boolean {
  if (by <= 0 || isMainThread || process.platform !== 'linux') return false;
  try {
    setPriority(0, Math.min(19, getPriority(0) + by));
    return true;
  } catch (error) {
    // A sandbox that forbids even lowering it (seccomp): the thread runs as it was.
    if ((error as { info?: { code?: string } }).info?.code === 'EPERM') return false;
    throw error;
  }
}
