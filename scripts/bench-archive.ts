/**
 * The archive half of `npm run bench`: ten years of weekly issues (520, ~10 items each, made by
 * generate-corpus.ts), built by Bulletin and by Eleventy from the same Markdown in the same run.
 *  - cold: `bulletin build --no-cache` in a fresh process (parse, render, pages, feeds, calendars,
 *    search index), against Eleventy's one-page-per-file build. Target: no slower than Eleventy.
 *  - warm: the same build again, nothing changed: the render cache and the search index are reused.
 *  - incremental: one item edited in a running ArchiveSession. Target: under 300 ms.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArchiveSession } from '../src/build/archive-session.js';
import { packageRoot } from '../src/support/package-root.js';
import { timeEleventy } from './eleventy-baseline.js';
import { generateCorpus } from './generate-corpus.js';

export interface ArchiveBench {
  issues: number;
  files: number;
  eleventyMs: number[];
  coldMs: number[];
  warmMs: number[];
  incrementalMs: number[];
  reindexMs: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function timeBuild(corpus: string, args: string[]): number {
  const cli = join(packageRoot, 'lib', 'src', 'cli', 'main.js');
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [cli, '--root', corpus, 'build', ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`bulletin build failed:\n${result.stderr.slice(-2000)}`);
  return ms;
}

export async function benchArchive(runs = 3): Promise<ArchiveBench> {
  const work = mkdtempSync(join(tmpdir(), 'bulletin-bench-archive-'));
  try {
    const corpus = join(work, 'corpus');
    const { issues, files } = await generateCorpus(corpus);
    const eleventyMs: number[] = [];
    const coldMs: number[] = [];
    const warmMs: number[] = [];
    // Interleaved, so a burst of load on the shared machine hits both sides alike.
    for (let run = 0; run < runs; run++) {
      eleventyMs.push(timeEleventy(corpus, join(work, 'eleventy')).ms);
      // Cold: no render cache and no previous site (whose search index would be reused).
      rmSync(join(corpus, '.bulletin'), { recursive: true, force: true });
      rmSync(join(corpus, 'dist'), { recursive: true, force: true });
      coldMs.push(timeBuild(corpus, ['--no-cache']));
    }
    timeBuild(corpus, []); // fills the cache
    for (let run = 0; run < runs; run++) warmMs.push(timeBuild(corpus, []));

    const { session, problems } = await ArchiveSession.open(corpus);
    if (!session) throw new Error(`the corpus does not build: ${problems[0]?.message}`);
    const incrementalMs: number[] = [];
    const dates = ['2019-06-07', '2021-03-05', '2024-12-13', '2016-11-04', '2023-02-03'];
    for (const [i, date] of dates.entries()) {
      const dir = join(corpus, 'bulletins', date);
      const item = join(dir, 'meetings.md');
      const text = readFileSync(item, 'utf8');
      writeFileSync(item, text.replace(/^ {2}- title: /m, `  - title: Edit ${i} of `));
      const start = process.hrtime.bigint();
      const update = await session.changed([date]);
      incrementalMs.push(Number(process.hrtime.bigint() - start) / 1e6);
      if (update.written.length === 0)
        throw new Error(`the edit of ${date} changed nothing: ${JSON.stringify(update.problems[0])}`);
    }
    const start = process.hrtime.bigint();
    await session.reindex();
    const reindexMs = Number(process.hrtime.bigint() - start) / 1e6;
    return { issues, files, eleventyMs, coldMs, warmMs, incrementalMs, reindexMs };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
