import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const cliEntry = join(repoRoot, 'lib', 'src', 'cli', 'main.js');

/**
 * What every command under test starts with, whatever the developer's shell holds: no network
 * link check, no real SMTP server, no signing key or public address of theirs. A test that wants
 * one of these passes it in `env`.
 */
const HERMETIC = {
  NO_COLOR: '1',
  BULLETIN_OFFLINE: '1',
  SMTP_URL: '',
  DKIM_PRIVATE_KEY: '',
  BULLETIN_BASE_URL: '',
  NODE_ENV: '',
};

/** What `bulletin check --json` prints, as a script reads it (src/cli/report.ts writes it). */
export interface CheckReport {
  ok: boolean;
  errors: number;
  warnings: number;
  config: CheckProblem[];
  issues: { date: string; problems: CheckProblem[] }[];
}

export interface CheckProblem {
  file: string;
  line: number;
  column: number;
  code: string;
  severity: 'error' | 'warning';
  message: string;
  hint?: string;
}

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the compiled `bulletin` command as a user would (npm install builds lib/ via `prepare`). */
export function bulletin(args: string[], cwd = repoRoot, env: Record<string, string> = {}): CliResult {
  const result = spawnSync(process.execPath, [cliEntry, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...HERMETIC, ...env },
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/**
 * The same, without blocking: for a command that talks to a server in this process (spawnSync
 * would starve it) or that the test signals while it runs.
 */
export function spawnBulletin(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [cliEntry, ...args], {
    cwd,
    env: { ...process.env, ...HERMETIC, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<CliResult>((resolve) =>
    child.once('close', (code, signal) => resolve({ status: code ?? (signal ? 128 : -1), stdout, stderr })),
  );
  return { child, done };
}
