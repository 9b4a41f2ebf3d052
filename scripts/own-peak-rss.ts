import { isMainThread } from 'node:worker_threads';

/**
 * Loaded into a benched process with `node --import` (bench-archive.ts): prints the process's own peak
 * resident set size when it exits, worker threads included and child processes not. GNU time's %M is
 * the largest of the process and the children it waited for, so for `bulletin build` it can be
 * pagefind's (a child) rather than Bulletin's own; Eleventy's figure has no such child in it.
 * `--import` loads it into every worker thread too, whose exit is not the process's: only the main
 * thread prints (a worker's line, printed first, was the peak so far when that worker ended).
 */
if (isMainThread) {
  process.on('exit', () => {
    process.stderr.write(`\n${process.resourceUsage().maxRSS} KB own peak\n`);
  });
}
