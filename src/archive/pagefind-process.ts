/**
 * The pagefind process, started with its memory allocator asked for huge pages.
 *
 * pagefind's binary is Rust built with jemalloc, which reads its options from `_RJEM_MALLOC_CONF`.
 * While it indexes, it grows by hundreds of megabytes, one 4 KB page at a time: ~116,000 page
 * faults for Eleventy's 5,712 pages of the 520-issue corpus, a fifth of its CPU. With `thp:always`
 * jemalloc asks the kernel for 2 MB pages where the kernel allows them (`madvise` or `always` in
 * /sys/kernel/mm/transparent_hugepage/enabled; with `never` nothing changes). Measured with its CLI
 * on those pages, alternating: 6,000-8,000 faults, 2.5-3.0 s against 3.3 s, and a peak 5-15 % higher.
 * The index it writes is the same.
 *
 * pagefind's Node API starts its binary with the calling thread's environment and takes no option
 * for it, so the setting is put in that environment for the one call that starts the process, and
 * taken out again. In a worker thread `process.env` is the thread's own copy; on the main thread
 * nothing else runs during the call. A setting of the user's own is left as it is.
 */

export const ALLOCATOR_OPTIONS = '_RJEM_MALLOC_CONF';
export const HUGE_PAGES = 'thp:always';

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
