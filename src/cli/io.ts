import { relative } from 'node:path';

/** Human output: stderr, so stdout stays clean for `--json` and pipes. */
export function say(line = ''): void {
  process.stderr.write(`${line}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function shortPath(path: string): string {
  return relative(process.cwd(), path) || '.';
}

export function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}
