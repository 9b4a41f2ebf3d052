import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NODE_FLAGS } from '../src/cli/node-flags.js';
import { repoRoot } from './helpers/cli.js';

/**
 * The `bulletin` command runs with NODE_FLAGS however it is started: through its `#!` line (npx, an
 * installed bin), by `npm start`, and in the benchmarks (each passes NODE_FLAGS itself).
 */
test('the #! line of the command and npm start pass node the flags NODE_FLAGS lists', () => {
  const flags = NODE_FLAGS.join(' ');
  for (const file of ['src/cli/main.ts', 'lib/src/cli/main.js']) {
    const firstLine = readFileSync(join(repoRoot, file), 'utf8').split('\n')[0];
    expect({ file, firstLine }).toEqual({ file, firstLine: `#!/usr/bin/env -S node ${flags}` });
  }
  const { scripts } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const runs = scripts.start!.match(/node [^&]*lib\/src\/cli\/main\.js/g) ?? [];
  expect(runs.length).toBeGreaterThan(0);
  for (const run of runs) expect(run).toBe(`node ${flags} lib/src/cli/main.js`);
});

test('run as a program, its #! line starts node with the flags, which node accepts', () => {
  // A script with the command's #! line, run as a program: the kernel reads the line, `env -S`
  // splits it, and node reports the flags it was given.
  const work = mkdtempSync(join(tmpdir(), 'bulletin-node-flags-'));
  try {
    const probe = join(work, 'probe.mjs');
    const shebang = readFileSync(join(repoRoot, 'lib/src/cli/main.js'), 'utf8').split('\n')[0];
    writeFileSync(probe, `${shebang}\nprocess.stdout.write(JSON.stringify(process.execArgv));\n`);
    chmodSync(probe, 0o755);
    expect(JSON.parse(execFileSync(probe, { encoding: 'utf8' }))).toEqual([...NODE_FLAGS]);
    const bin = join(repoRoot, 'lib/src/cli/main.js');
    const version = execFileSync(process.execPath, [...NODE_FLAGS, bin, '--version'], { encoding: 'utf8' });
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
