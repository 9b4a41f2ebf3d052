import { setFlagsFromString } from 'node:v8';
import { SetupError } from '../diagnostics/setup-error.js';
import { wholeNumberFromEnv } from '../support/env-number.js';

/** V8's own interrupt budget in Node 20 (V8 11.3; `node --v8-options`). */
const V8_DEFAULT_BUDGET = 67_584;

/** V8 reads the flag as a C int: more would wrap round to a negative budget. */
const MAX_BUDGET = 2 ** 30;

/**
 * How much bytecode a function runs between V8's looks at whether to optimize it, for a `check` or
 * `build`: six times V8's default (BULLETIN_V8_INTERRUPT_BUDGET sets another).
 *
 * A run of many issues runs the whole toolchain (YAML, Markdown, Handlebars, MJML, the archive) in
 * up to three isolates (this thread, the build's thread, a prepare worker), and each optimizes that
 * code anew on V8's background threads. Over a cold `build --all` of 520 issues those threads took
 * 5.6 s of its 24 s of CPU (per-thread CPU from /proc); with `--no-concurrent-recompilation` they
 * took 1.4 s, so about 4 s was the optimizing compiler. With six times the budget, only code that
 * stays hot is optimized: the same build took 20.6 s of CPU and 12.3 s against 24.4 s and 13.9 s,
 * and a cold `check --all` 6.7 s against 8.5 s (medians of three alternating runs; two, four and
 * fifteen times the budget did no better).
 *
 * V8's flags are the process's, so this is set by the commands that own their process, not by the
 * pipeline, which the preview server runs too. A budget given to node itself is left alone. Only V8
 * 11 (Node 20) tiers up by this budget: later V8 counts invocations instead, and has no such flag to
 * set. Changing a flag also changes V8's flag hash, so code caches made under other flags are not
 * used by the threads started afterwards; the figures above include that.
 */
export function raiseOptimizerBudgetForBatchRun(): void {
  const budget = wholeNumberFromEnv('BULLETIN_V8_INTERRUPT_BUDGET', 6 * V8_DEFAULT_BUDGET);
  if (budget > MAX_BUDGET)
    throw new SetupError(
      `BULLETIN_V8_INTERRUPT_BUDGET is ${budget}, more than V8 can take: set it to at most ${MAX_BUDGET}, or unset it for the default`,
    );
  if (!tiersUpByBudget() || process.execArgv.some((arg) => /^--interrupt[-_]budget=/.test(arg))) return;
  setFlagsFromString(`--interrupt-budget=${budget}`);
}

/** V8 11, as Node 20 has it. */
export function tiersUpByBudget(): boolean {
  return process.versions.v8.startsWith('11.');
}
