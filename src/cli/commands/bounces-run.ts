import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { classifyMessage } from '../../bounces/classify/index.js';
import type { BounceReport } from '../../bounces/report.js';
import { SetupError } from '../../diagnostics/setup-error.js';
import { EXIT_OK } from '../exit.js';
import { printJson } from '../io.js';

/** Why a file cannot be read, in words (the code stays in the message for searching). */
function unreadable(path: string, error: NodeJS.ErrnoException): SetupError {
  const why =
    error.code === 'ENOENT'
      ? 'no such file'
      : error.code === 'EISDIR'
        ? 'it is a folder, not a message file'
        : error.code === 'EACCES'
          ? 'permission denied'
          : error.message;
  return new SetupError(`cannot read ${path}: ${why} (${error.code ?? 'error'})`, { cause: error });
}

/** Every file first: a bad path is reported before any output, so --json stays one document. */
async function readAll(files: readonly string[]): Promise<Buffer[]> {
  const contents: Buffer[] = [];
  for (const file of files) {
    try {
      contents.push(await readFile(resolve(file)));
    } catch (error) {
      throw unreadable(file, error as NodeJS.ErrnoException);
    }
  }
  return contents;
}

function describe(file: string, report: BounceReport): string {
  const lines = [`${file}: ${report.format}${report.messageId ? ` ${report.messageId}` : ''}`];
  if (report.recipients.length === 0) lines.push('  (no recipients reported)');
  for (const r of report.recipients) {
    const parts = [r.address || '(recipient not named)', r.status ?? '-', r.verdict];
    lines.push(`  ${parts.join('  ')}${r.diagnostic ? `  ${r.diagnostic}` : ''}`);
  }
  if (report.bounceTokens.length > 0) lines.push(`  bounce token: ${report.bounceTokens.join(', ')}`);
  return lines.join('\n');
}

/** `bulletin bounces classify FILE.eml ...`: read-only, exit 0 whatever the verdicts. */
export async function bouncesClassifyCommand(
  files: readonly string[],
  options: { json?: boolean },
): Promise<number> {
  const contents = await readAll(files);
  const results: ({ file: string } & BounceReport)[] = [];
  for (const [i, raw] of contents.entries()) {
    const file = files[i] as string;
    results.push({ file, ...(await classifyMessage(raw)) });
  }
  if (options.json) printJson(results);
  else process.stdout.write(`${results.map(({ file, ...report }) => describe(file, report)).join('\n\n')}\n`);
  return EXIT_OK;
}
