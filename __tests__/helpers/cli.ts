import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const cliEntry = join(repoRoot, 'lib', 'src', 'cli', 'main.js');

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the compiled `bulletin` command as a user would (npm install builds lib/ via `prepare`). */
export function bulletin(args: string[], cwd = repoRoot, env: Record<string, string> = {}): CliResult {
  const result = spawnSync(process.execPath, [cliEntry, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
