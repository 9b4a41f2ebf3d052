import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tiersUpByBudget } from '../src/build/optimizer-budget.js';
import { bulletin, repoRoot } from './helpers/cli.js';
import { tempSite } from './helpers/site.js';

/**
 * src/build/optimizer-budget.ts, observed as V8 sees it: how many calls a hot function takes before
 * it is optimized. Each case runs in a node process of its own (lib/, as the CLI runs), with the
 * optimizing compiler on the calling thread so that the count does not depend on the machine's load.
 */
function callsBeforeOptimized(options: {
  raise: boolean;
  env?: Record<string, string>;
  nodeArgs?: string[];
}) {
  const script = `
    const { raiseOptimizerBudgetForBatchRun } = await import('./lib/src/build/optimizer-budget.js');
    if (${options.raise}) raiseOptimizerBudgetForBatchRun();
    function hot(n) { let sum = 0; for (let i = 0; i < 10; i++) sum += (n * i) % 7; return sum; }
    const OPTIMIZED = 16;
    let calls = 0;
    while (!(%GetOptimizationStatus(hot) & OPTIMIZED) && calls < 1e6) hot(calls++);
    console.log(calls);
  `;
  const result = spawnSync(
    process.execPath,
    [
      '--allow-natives-syntax',
      '--no-concurrent-recompilation',
      ...(options.nodeArgs ?? []),
      '--input-type=module',
      '-e',
      script,
    ],
    { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, ...options.env } },
  );
  expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  return Number(result.stdout.trim());
}

if (!tiersUpByBudget())
  console.warn(
    `SKIPPED: V8 ${process.versions.v8} does not tier up by an interrupt budget; only V8 11 (Node 20) does`,
  );

(tiersUpByBudget() ? test : test.skip)(
  'a batch run lets a function run longer before V8 optimizes it, by as much as BULLETIN_V8_INTERRUPT_BUDGET says',
  () => {
    const unset = { BULLETIN_V8_INTERRUPT_BUDGET: '' };
    const v8Default = callsBeforeOptimized({ raise: false, env: unset });
    const raised = callsBeforeOptimized({ raise: true, env: unset });
    const fromEnv = callsBeforeOptimized({ raise: true, env: { BULLETIN_V8_INTERRUPT_BUDGET: '2000000' } });
    expect(raised).toBeGreaterThan(3 * v8Default);
    expect(fromEnv).toBeGreaterThan(2 * raised);
    // A budget given to node itself wins.
    const own = ['--interrupt-budget=2000000'];
    expect(callsBeforeOptimized({ raise: true, env: unset, nodeArgs: own })).toBe(
      callsBeforeOptimized({ raise: false, env: unset, nodeArgs: own }),
    );
  },
);

test('a budget that is not a whole number, or more than V8 can take, stops check and build, naming it, before any work', () => {
  const site = tempSite();
  try {
    for (const value of ['-5', '3000000000'])
      for (const command of [
        ['check', '--offline'],
        ['build', '--out', 'refused'],
      ]) {
        const run = bulletin(command, site.root, { BULLETIN_V8_INTERRUPT_BUDGET: value });
        expect([value, run.status]).toEqual([value, 1]);
        expect(run.stderr).toMatch(
          new RegExp(
            `BULLETIN_V8_INTERRUPT_BUDGET is "?${value}"?, (not a whole number of at least 1|more than V8 can take)`,
          ),
        );
        expect(run.stderr).not.toMatch(/\n\s+at /);
      }
    expect(existsSync(join(site.root, 'refused'))).toBe(false);
    expect(existsSync(join(site.root, '.bulletin'))).toBe(false);
  } finally {
    site.remove();
  }
});
