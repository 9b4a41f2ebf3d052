/**
 * The pagefind process, started with its memory allocator asked for huge pages, in one arena.
 *
 * pagefind's binary is Rust built with jemalloc, which reads its options from `_RJEM_MALLOC_CONF`.
 * While it indexes, it grows by hundreds of megabytes, one 4 KB page at a time: ~83,000 page faults
 * for the 520 issue pages of the test corpus (pagefind's CLI over them), a fifth of its CPU.
 * - `thp:always`: jemalloc asks the kernel for 2 MB pages where the kernel allows them (`madvise` or
 *   `always` in /sys/kernel/mm/transparent_hugepage/enabled; with `never` nothing changes).
 * - `narenas:1`: one arena, not jemalloc's four a CPU, whose huge pages would each be part empty.
 *
 * Measured on those pages with pagefind's CLI, alternating: 4,100 faults, 1.8-2.0 s against
 * 2.3-2.5 s, peak 309 MB against 337 MB. In a cold `build --all`, whose pagefind is fed by the build
 * and peaks as it writes its index: 8.31-8.46 s against 8.42-8.83 s (3 alternating pairs), its peak
 * 302-304 MB against 257-334 MB. Huge pages alone (four arenas a CPU) made that peak 346-351 MB.
 * The index it writes is the same.
 *
 * pagefind's Node API starts its binary with the calling thread's environment and takes no option
 * for it, so the setting is put in that environment for the one call that starts the process, and
 * taken out again. In a worker thread `process.env` is the thread's own copy; on the main thread
 * nothing else runs during the call. A setting of the user's own is left as it is.
 */

export const ALLOCATOR_OPTIONS = '_RJEM_MALLOC_CONF';
export const HUGE_PAGES = 'thp:always,narenas:1';

/** `start()` (which starts pagefind's process, as `createIndex` does), with the allocator option set. */
export function withHugePages<T>(start: () => T): T {
  if (process.env[ALLOCATOR_OPTIONS] !== undefined) return start();
  process.env[ALLOCATOR_OPTIONS] = HUGE_PAGES;
  try {
    return start();
  } finally {
    delete process.env[ALLOCATOR_OPTIONS];
  }
}
