/**
 * The Eleventy baseline of the archive speed benchmark: Eleventy 3 builds the same Markdown
 * (`<corpus>/bulletins`, every `.md` through one minimal layout, see scripts/eleventy/), in a
 * fresh process, timed by the wall clock from spawn to exit.
 *
 *   node lib/scripts/eleventy-baseline.js <corpus> [--out DIR] [--runs 3]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { packageRoot } from '../src/support/package-root.js';

export const ELEVENTY_CONFIG = 'scripts/eleventy/eleventy.config.mjs';

/** Eleventy's command-line entry, from its package.json "bin" (cmd.cjs in 3.x). */
export function eleventyCommand(): string {
  const dir = join(packageRoot, 'node_modules', '@11ty', 'eleventy');
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    bin?: string | Record<string, string>;
  };
  const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin?.eleventy;
  if (!bin) throw new Error(`${dir}/package.json names no "eleventy" bin`);
  return join(dir, bin);
}

/** True when `inner` is `outer` or inside it. */
function within(inner: string, outer: string): boolean {
  const path = relative(outer, inner);
  return !(path === '..' || path.startsWith(`..${sep}`) || isAbsolute(path));
}

/** A plain walk: Node 20's `readdirSync(dir, { recursive: true })` is the newer, less-trodden path. */
function countHtml(dir: string): number {
  let count = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) count += countHtml(join(dir, entry.name));
    else if (entry.isFile() && entry.name.endsWith('.html')) count++;
  }
  return count;
}

/**
 * Builds `<corpusDir>/bulletins` with Eleventy into outDir (emptied first) and returns the wall
 * time of the whole process (start-up included, as for a cold `bulletin build`) and the number
 * of HTML files written. Throws if Eleventy fails.
 */
export function timeEleventy(corpusDir: string, outDir: string): { ms: number; pages: number } {
  const input = resolve(corpusDir, 'bulletins');
  const out = resolve(outDir);
  if (!existsSync(input))
    throw new Error(
      `${input} does not exist: generate a corpus first (node lib/scripts/generate-corpus.js ${corpusDir})`,
    );
  if (within(packageRoot, out) || within(input, out))
    throw new Error(`refusing to empty ${out}: it holds the repository or the corpus`);
  rmSync(out, { recursive: true, force: true });

  const args = [
    eleventyCommand(),
    `--config=${ELEVENTY_CONFIG}`,
    `--input=${input}`,
    `--output=${out}`,
    '--quiet',
  ];
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, {
    cwd: packageRoot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.error) throw result.error;
  if (result.status !== 0)
    throw new Error(
      `Eleventy exited with ${result.status ?? result.signal}:\n${result.stderr}${result.stdout}`,
    );
  const pages = countHtml(out);
  // Eleventy prints "Wrote N files" even with --quiet: the count on disk must agree.
  const wrote = /Wrote (\d+) files?/.exec(`${result.stdout}\n${result.stderr}`);
  if (wrote && Number(wrote[1]) !== pages)
    throw new Error(`Eleventy reports ${wrote[1]} files written, but ${out} holds ${pages} HTML files`);
  return { ms, pages };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { out: { type: 'string' }, runs: { type: 'string', default: '3' } },
  });
  const runs = Number(values.runs);
  if (positionals.length !== 1 || !Number.isInteger(runs) || runs < 1) {
    console.error('usage: node lib/scripts/eleventy-baseline.js <corpus> [--out DIR] [--runs 3]');
    process.exit(2);
  }
  const scratch = values.out ? undefined : mkdtempSync(join(tmpdir(), 'eleventy-baseline-'));
  const out = values.out ?? join(scratch!, 'site');
  try {
    for (let run = 1; run <= runs; run++) {
      const { ms, pages } = timeEleventy(positionals[0]!, out);
      console.log(`Eleventy run ${run}: ${pages} pages in ${ms.toFixed(0)} ms`);
    }
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}
