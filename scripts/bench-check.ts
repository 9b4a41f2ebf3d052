/**
 * The `check --all` part of `npm run bench` (`-- --check [--issues=N]`): a cold
 * `bulletin check --all --offline --no-cache` of the generated corpus (generate-corpus.ts) in a fresh
 * process, timed by the wall clock from spawn to exit, with the peak RSS of that process (worker
 * threads included) as GNU time's `%M` reports it. Target: 520 issues in under 5 s.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/support/package-root.js';
import { generateCorpus } from './generate-corpus.js';
import { NODE_FLAGS } from '../src/cli/node-flags.js';

export interface CheckBench {
  issues: number;
  files: number;
  ms: number[];
  /** Peak resident set of each run in MB, when /usr/bin/time is installed. */
  peakRssMb: number[];
}

const GNU_TIME = '/usr/bin/time';

/** One cold run: no render cache, no link cache, the network not asked. */
export function timeCheck(corpus: string): { ms: number; peakRssMb?: number } {
  rmSync(join(corpus, '.bulletin'), { recursive: true, force: true });
  const cli = join(packageRoot, 'lib', 'src', 'cli', 'main.js');
  const args = [...NODE_FLAGS, cli, '--root', corpus, 'check', '--all', '--offline', '--no-cache'];
  const rssFile = join(corpus, '.check-rss');
  const timed = existsSync(GNU_TIME);
  const start = process.hrtime.bigint();
  const result = timed
    ? spawnSync(GNU_TIME, ['-f', '%M', '-o', rssFile, process.execPath, ...args], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      })
    : spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`bulletin check --all failed:\n${result.stderr.slice(-2000)}`);
  if (!timed) return { ms };
  const kb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
  rmSync(rssFile, { force: true });
  return { ms, peakRssMb: kb / 1024 };
}

export async function benchCheck(issues = 520, runs = 3): Promise<CheckBench> {
  const work = mkdtempSync(join(tmpdir(), 'bulletin-bench-check-'));
  try {
    const corpus = join(work, 'corpus');
    const made = await generateCorpus(corpus, { issues });
    const ms: number[] = [];
    const peakRssMb: number[] = [];
    for (let run = 0; run < runs; run++) {
      const timed = timeCheck(corpus);
      ms.push(timed.ms);
      if (timed.peakRssMb !== undefined) peakRssMb.push(timed.peakRssMb);
    }
    return { issues: made.issues, files: made.files, ms, peakRssMb };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function printCheckBench(bench: CheckBench, median: (values: readonly number[]) => number): void {
  const ms = median(bench.ms);
  console.log(
    `\ncheck --all: ${bench.issues} issues, ${bench.files} Markdown files, cold (--no-cache --offline), medians of ${bench.ms.length}`,
  );
  console.log(
    `${'bulletin check --all, cold (ms)'.padEnd(46)} ${ms.toFixed(0).padStart(9)}  < 5000   ${ms < 5000 ? 'ok' : 'MISSED'}`,
  );
  if (bench.peakRssMb.length)
    console.log(
      `${'  peak RSS (MB, GNU time %M)'.padEnd(46)} ${median(bench.peakRssMb).toFixed(0).padStart(9)}`,
    );
  console.log(`runs (ms): ${bench.ms.map((t) => t.toFixed(0)).join(', ')}`);
}
