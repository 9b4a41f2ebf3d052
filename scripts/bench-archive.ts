/**
 * The archive half of `npm run bench` (`-- --archive [--issues=520] [--runs=3]`): issue 15's table,
 * from one run, on a corpus made by generate-corpus.ts. Each run, interleaved so that a burst of load
 * on the shared machine hits every side alike, times in a fresh process each:
 *  - Eleventy building the same Markdown (one page per file), then Pagefind indexing its output
 *    (`pagefind --site`, through the package's own runner, as an Eleventy user would);
 *  - `bulletin build` (the latest email + the whole archive) cold: no .bulletin/cache, no dist/;
 *  - `bulletin build --all` (every email + the archive) cold;
 *  - `bulletin build --all` again with nothing changed (the caches of the previous run are warm).
 * Wall time from spawn to exit (start-up included); peak RSS from `/usr/bin/time -f %M` when it is
 * installed (the largest of the process and the children it waited for: pagefind runs as a child of
 * both Bulletin and its runner); without it, RSS is not measured and the table says so.
 * Then one edit in a running ArchiveSession (incremental, target under 300 ms).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ArchiveSession } from '../src/build/archive-session.js';
import { packageRoot } from '../src/support/package-root.js';
import { ELEVENTY_CONFIG, eleventyCommand } from './eleventy-baseline.js';
import { generateCorpus } from './generate-corpus.js';
import { NODE_FLAGS } from '../src/cli/node-flags.js';

const GNU_TIME = '/usr/bin/time';

/** One timed process. */
export interface Timed {
  ms: number;
  /** Peak resident set size in MB: the largest of the process and the children it waited for. */
  rssMb: number;
  /** The process's own peak in MB (its threads, not its children), where own-peak-rss.ts was loaded. */
  ownRssMb: number;
}

/** `node --import` of own-peak-rss.ts, for the processes whose own peak is measured. */
const OWN_PEAK = ['--import', pathToFileURL(join(packageRoot, 'lib', 'scripts', 'own-peak-rss.js')).href];

export interface ArchiveBench {
  issues: number;
  files: number;
  rssSource: string;
  eleventy: Timed[];
  pagefind: Timed[];
  build: Timed[];
  buildAll: Timed[];
  rebuildAll: Timed[];
  incrementalMs: number[];
  reindexMs: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs a command to its end and measures it; throws with its output if it fails. */
function timed(command: string, args: string[], cwd = packageRoot): Timed {
  const withTime = existsSync(GNU_TIME);
  const file = withTime ? GNU_TIME : command;
  const argv = withTime ? ['-f', '\n%M KB peak', command, ...args] : args;
  const start = process.hrtime.bigint();
  const result = spawnSync(file, argv, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.error) throw result.error;
  if (result.status !== 0)
    throw new Error(
      `${command} ${args.join(' ')} exited with ${result.status}:\n${result.stderr.slice(-2000)}`,
    );
  const peak = withTime ? /(\d+) KB peak\s*$/.exec(result.stderr) : null;
  const own = /(\d+) KB own peak\s*$/m.exec(result.stderr);
  return {
    ms,
    rssMb: peak ? Number(peak[1]) / 1024 : Number.NaN,
    ownRssMb: own ? Number(own[1]) / 1024 : Number.NaN,
  };
}

function bulletinBuild(corpus: string, args: string[]): Timed {
  const cli = join(packageRoot, 'lib', 'src', 'cli', 'main.js');
  return timed(process.execPath, [...NODE_FLAGS, ...OWN_PEAK, cli, '--root', corpus, 'build', ...args]);
}

/**
 * Outputs of an earlier run, moved out of the way into `discarded`, deleted only when the bench ends:
 * ext4 passes over inodes freed in the last 5 to 35 seconds when it allocates one
 * (`recently_deleted`), so deleting a few thousand files just before a timed run made each file that
 * run created dearer, the more so the more files it creates (a kernel profile of a cold
 * `build --all` put ~1.7 s of CPU in `find_inode_bit`). A first build does not follow a mass deletion
 * by seconds; Eleventy's output is put aside the same way.
 */
class Discards {
  private count = 0;

  constructor(private readonly discarded: string) {}

  put(path: string): void {
    if (!existsSync(path)) return;
    mkdirSync(this.discarded, { recursive: true });
    renameSync(path, join(this.discarded, String(this.count++)));
  }

  /** The corpus without its cache and output: a cold build. */
  cold(corpus: string): void {
    this.put(join(corpus, '.bulletin'));
    this.put(join(corpus, 'dist'));
  }
}

export async function benchArchive(issueCount = 520, runs = 3): Promise<ArchiveBench> {
  const work = mkdtempSync(join(tmpdir(), 'bulletin-bench-archive-'));
  try {
    const corpus = join(work, 'corpus');
    const site = join(work, 'eleventy');
    const discards = new Discards(join(work, 'discarded'));
    const { issues, files } = await generateCorpus(corpus, { issues: issueCount });
    const pagefindRunner = join(packageRoot, 'node_modules', 'pagefind', 'lib', 'runner', 'bin.cjs');
    const bench: ArchiveBench = {
      issues,
      files,
      rssSource: existsSync(GNU_TIME) ? `${GNU_TIME} -f %M` : 'nobody (install GNU time to measure it)',
      ...{ eleventy: [], pagefind: [], build: [], buildAll: [], rebuildAll: [] },
      incrementalMs: [],
      reindexMs: 0,
    };
    for (let run = 0; run < runs; run++) {
      discards.put(site);
      const input = join(corpus, 'bulletins');
      bench.eleventy.push(
        timed(process.execPath, [
          ...OWN_PEAK,
          eleventyCommand(),
          `--config=${ELEVENTY_CONFIG}`,
          `--input=${input}`,
          `--output=${site}`,
          '--quiet',
        ]),
      );
      bench.pagefind.push(timed(process.execPath, [pagefindRunner, '--site', site, '--silent']));
      discards.cold(corpus);
      bench.build.push(bulletinBuild(corpus, []));
      discards.cold(corpus);
      bench.buildAll.push(bulletinBuild(corpus, ['--all']));
      bench.rebuildAll.push(bulletinBuild(corpus, ['--all']));
    }
    await benchIncremental(corpus, bench);
    return bench;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function benchIncremental(corpus: string, bench: ArchiveBench): Promise<void> {
  const { session, problems } = await ArchiveSession.open(corpus);
  if (!session) throw new Error(`the corpus does not build: ${problems[0]?.message}`);
  const dates = ['2019-06-07', '2021-03-05', '2024-12-13', '2016-11-04', '2023-02-03'].filter((date) =>
    existsSync(join(corpus, 'bulletins', date)),
  );
  for (const [i, date] of (dates.length ? dates : ['2015-01-02']).entries()) {
    const item = join(corpus, 'bulletins', date, 'meetings.md');
    const text = readFileSync(item, 'utf8');
    writeFileSync(item, text.replace(/^ {2}- title: /m, `  - title: Edit ${i} of `));
    const start = process.hrtime.bigint();
    const update = await session.changed([date]);
    bench.incrementalMs.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (update.written.length === 0)
      throw new Error(`the edit of ${date} changed nothing: ${JSON.stringify(update.problems[0])}`);
  }
  const start = process.hrtime.bigint();
  await session.reindex();
  bench.reindexMs = Number(process.hrtime.bigint() - start) / 1e6;
}

/** Issue 15's table: medians, each Bulletin figure as a ratio to Eleventy + Pagefind, peak RSS. */
export function printArchiveBench(bench: ArchiveBench): void {
  const runs = bench.eleventy.length;
  const both = bench.eleventy.map((e, i) => e.ms + bench.pagefind[i]!.ms);
  const baseline = median(both);
  const ms = (list: Timed[]) => median(list.map((t) => t.ms));
  const mb = (value: number) => (Number.isNaN(value) ? '' : `${value.toFixed(0)} MB`);
  // The own peak beside the whole one, where it was measured: pagefind is Bulletin's child, not Eleventy's.
  const rss = (list: Timed[]) => {
    const own = median(list.map((t) => t.ownRssMb));
    return `${mb(median(list.map((t) => t.rssMb)))}${Number.isNaN(own) ? '' : ` (own ${mb(own)})`}`;
  };
  console.log(
    `\nArchive: ${bench.issues} issues, ${bench.files} Markdown files; medians of ${runs} interleaved runs; peak RSS by ${bench.rssSource}`,
  );
  const rows: [string, number, string, string, number | undefined][] = [
    ['Eleventy (one page per file)', ms(bench.eleventy), rss(bench.eleventy), '', undefined],
    ["Pagefind on Eleventy's output", ms(bench.pagefind), rss(bench.pagefind), '', undefined],
    ['Eleventy + Pagefind', baseline, '', '', undefined],
    ['`bulletin build`, cold', ms(bench.build), rss(bench.build), '<= 1.00x', 1],
    ['`bulletin build --all`, cold', ms(bench.buildAll), rss(bench.buildAll), '<= 1.00x', 1],
    [
      '`bulletin build --all` again, nothing changed',
      ms(bench.rebuildAll),
      rss(bench.rebuildAll),
      '<= 0.10x',
      0.1,
    ],
  ];
  console.log(
    `${'work'.padEnd(48)}${'ms'.padStart(9)}${'ratio'.padStart(8)}${'peak RSS'.padStart(22)}  goal`,
  );
  for (const [name, value, peak, goal, limit] of rows) {
    const ratio = limit === undefined ? '' : `${(value / baseline).toFixed(2)}x`;
    const verdict = limit === undefined ? '' : value / baseline <= limit ? 'ok' : 'MISSED';
    console.log(
      `${name.padEnd(48)}${value.toFixed(0).padStart(9)}${ratio.padStart(8)}${peak.padStart(22)}  ${goal} ${verdict}`,
    );
  }
  // Like with like: Bulletin's whole peak holds its pagefind child, so it is held against the larger of
  // Eleventy's and of the Pagefind run after it; each process alone, against Eleventy's own.
  const toolchainRss = median(bench.eleventy.map((t, i) => Math.max(t.rssMb, bench.pagefind[i]!.rssMb)));
  const allRss = median(bench.buildAll.map((t) => t.rssMb));
  console.log(
    `${'peak RSS of `build --all`, whole'.padEnd(48)}${`${allRss.toFixed(0)} / ${toolchainRss.toFixed(0)} MB`.padStart(39)}  <= 1.00x ${allRss <= toolchainRss ? 'ok' : 'MISSED'} (against the larger of Eleventy's and Pagefind's)`,
  );
  const ownAll = median(bench.buildAll.map((t) => t.ownRssMb));
  const ownEleventy = median(bench.eleventy.map((t) => t.ownRssMb));
  console.log(
    `${'  each process alone (pagefind apart)'.padEnd(48)}${`${ownAll.toFixed(0)} / ${ownEleventy.toFixed(0)} MB`.padStart(39)}  <= 1.00x ${ownAll <= ownEleventy ? 'ok' : 'MISSED'} (against Eleventy's)`,
  );
  const incremental = median(bench.incrementalMs);
  console.log(
    `${'one edit, incremental (median ms)'.padEnd(48)}${incremental.toFixed(0).padStart(9)}  < 300 ${incremental < 300 ? 'ok' : 'MISSED'}; then search re-index ${bench.reindexMs.toFixed(0)} ms`,
  );
  const list = (l: Timed[]) => l.map((t) => t.ms.toFixed(0)).join(', ');
  console.log(
    `runs (ms): eleventy ${list(bench.eleventy)}; pagefind ${list(bench.pagefind)}; build ${list(bench.build)}; build --all ${list(bench.buildAll)}; again ${list(bench.rebuildAll)}`,
  );
  // A median near its goal says little about the next run: each run against the baseline of its own
  // round (the runs are interleaved), and how many of them met the goal. Three decimals: at two, a
  // run 0.3 % over its goal printed as 1.00 beside a count that said it missed.
  const perRun = (name: string, list: Timed[], limit: number) => {
    const ratios = list.map((t, i) => t.ms / both[i]!);
    const met = ratios.filter((ratio) => ratio <= limit).length;
    return `${name} ${ratios.map((ratio) => ratio.toFixed(3)).join(' / ')} (${met} of ${ratios.length} <= ${limit.toFixed(2)})`;
  };
  console.log(
    `each run against its round's Eleventy + Pagefind: ${perRun('build', bench.build, 1)}; ${perRun('build --all', bench.buildAll, 1)}; ${perRun('again', bench.rebuildAll, 0.1)}`,
  );
}
