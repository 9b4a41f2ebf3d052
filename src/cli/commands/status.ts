import type { Command } from 'commander';
import type { GlobalOptions } from '../options.js';

type Run = (action: () => Promise<number>) => Promise<void>;

export function registerStatus(program: Command, run: Run): void {
  program
    .command('status')
    .description(
      'the send ledger of an issue (sent, failed, pending, unknown, each worker) and what was heard after: ' +
        'delivered, bounced, complaints',
    )
    .argument('<date>', 'the issue (YYYY-MM-DD)')
    .option('--list <id>', 'only this list')
    .option('--json', 'print one JSON document on stdout')
    .action((date: string, options: { list?: string; json?: boolean }) =>
      run(async () => {
        // Loaded when the command runs: SQLite and the config's parser are not start-up's to pay.
        const { statusCommand } = await import('./status-run.js');
        return statusCommand(program.opts<GlobalOptions>().root, date, options);
      }),
    );
}
