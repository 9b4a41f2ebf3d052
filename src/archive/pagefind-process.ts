import childProcesses, { type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { isMainThread } from 'node:worker_threads';

/**
 * The pagefind process, started with its memory allocator asked for huge pages, in one arena.
 *
 * pagefind's binary is Rust built with jemalloc, which reads its options from `_RJEM_MALLOC_CONF`.
 * While it indexes, it grows by hundreds of megabytes, one 4 KB page at a time: ~83,000 page faults
 * for the 520 issue pages of the test corpus (pagefind's CLI over them).
 * - `thp:always`: jemalloc asks the kernel for 2 MB pages where the kernel allows them (`madvise` or
 *   `always` in /sys/kernel/mm/transparent_hugepage/enabled; with `never` nothing changes).
 * - `narenas:1`: one arena, not jemalloc's four a CPU, whose huge pages would each be part empty.
 *
 * Measured with pagefind's CLI on those pages, alternating: 4,100 faults, 1.8-2.0 s against 2.3-2.5 s,
 * peak 309 MB against 337 MB. In a cold `build --all` (pagefind fed by the build, peaking as it
 * writes its index): 8.31-8.46 s against 8.42-8.83 s (3 alternating pairs, overlapping), its peak
 * 302-304 MB against 257-334 MB; huge pages in four arenas a CPU made it 346-351 MB. The index it
 * writes is the same.
 *
 * pagefind's Node API starts its binary with the calling thread's environment and takes no option
 * for it, so the setting is put in that environment for the one call that starts the process, and
 * taken out again: in a worker thread, where `process.env` is the thread's own copy. On the main
 * thread it is the process's, read without a lock by native code on other threads (time zones, DNS),
 * so it is left alone there: a build of as many issues as make this matter runs its stages in a worker.
 * A setting of the user's own is left as it is, and a pagefind process already running in this
 * thread (pagefind keeps one) is used as it was started.
 */

export const ALLOCATOR_OPTIONS = '_RJEM_MALLOC_CONF';
export const HUGE_PAGES = 'thp:always,narenas:1';

/** `start()` (which starts pagefind's process, as `createIndex` does), with the allocator option set. */
export function withHugePages<T>(start: () => T, { mainThread = isMainThread } = {}): T {
  if (mainThread || process.env[ALLOCATOR_OPTIONS] !== undefined) return start();
  process.env[ALLOCATOR_OPTIONS] = HUGE_PAGES;
  try {
    return start();
  } finally {
    delete process.env[ALLOCATOR_OPTIONS];
  }
}

/**
 * `start()` (which starts pagefind's process, as `createIndex` does), and the process it started, if
 * it started one. pagefind's Node API gives no handle on its process and does not watch it: one that
 * dies (killed for memory, say) leaves every request it had not answered waiting for ever, and the
 * build with it. So `spawn` is looked at for the one synchronous call that starts the process (the
 * same object pagefind calls it on, `child_process`'s exports), and put back at once.
 */
export function withProcessSeen<T>(start: () => T): { started: T; process: ChildProcess | undefined } {
  const spawn = childProcesses.spawn;
  let seen: ChildProcess | undefined;
  childProcesses.spawn = ((...args: Parameters<typeof spawn>) => {
    seen = spawn(...args);
    return seen;
  }) as typeof spawn;
  try {
    return { started: start(), process: seen };
  } finally {
    childProcesses.spawn = spawn;
  }
}

/** How a process ended, as a sentence part: "killed by SIGKILL", "exit code 101". */
function howItEnded(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `killed by ${signal}` : `exit code ${code}`;
}

/** pagefind's service, started by `start` and stopped by `stop` (pagefind's `close`), watched. */
export interface WatchedService<T> {
  started: T;
  /** How its process ended, once it ended before `close` was called (a crash). */
  ended(): string | undefined;
  /** Stops it, and says once its process is gone how it had ended, if by a crash. */
  close(): Promise<string | undefined>;
}

/** How long `close` waits for pagefind's process to be gone: it is killed, so not long. */
const GONE_WITHIN_MS = 5_000;

/**
 * pagefind's service with its process watched (`withProcessSeen`): when the process ends of
 * itself, the service is stopped, which fails the requests pagefind would otherwise wait on for
 * ever. A crash can be noticed by pagefind first (a write to the dead process fails, and it stops
 * the service itself): `close` waits for the process's end to tell it from its own stop (SIGTERM).
 * No process seen means one was running in this thread already (another index open), used unwatched.
 */
export function watchedService<T>(start: () => T, stop: () => Promise<unknown>): WatchedService<T> {
  const { started, process: child } = withProcessSeen(start);
  const exit =
    child &&
    new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
  let closing: Promise<string | undefined> | undefined;
  let crashed: string | undefined;
  void exit?.then(({ code, signal }) => {
    if (closing) return;
    crashed = howItEnded(code, signal);
    void stop();
  });
  return {
    started,
    ended: () => crashed,
    close() {
      closing ??= (async () => {
        await stop();
        // pagefind lets its process's handle keep nothing alive: held here until it is gone.
        child?.ref();
        const gone = exit && (await Promise.race([exit, sleep(GONE_WITHIN_MS, undefined, { ref: false })]));
        child?.unref();
        // The SIGTERM of pagefind's own stop, or an end without error, is no crash.
        if (!gone || gone.signal === 'SIGTERM' || gone.code === 0) return undefined;
        return howItEnded(gone.code, gone.signal);
      })();
      return closing;
    },
  };
}
