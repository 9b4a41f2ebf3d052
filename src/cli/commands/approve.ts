import type { Command } from 'commander';
import type { GlobalOptions } from '../options.js';

type Run = (action: () => Promise<number>) => Promise<void>;

export function registerApprove(program: Command, run: Run): void {
  program
    .command('approve')
    .description('record that an issue, as it is built now, is approved for sending')
    .argument('<date>', 'the issue (YYYY-MM-DD)')
    .requiredOption('--by <name>', 'who approves it')
    .option('--json', 'print one JSON document on stdout')
    .addHelpText(
      'after',
      '\nWith `approval.required` in the config, `bulletin send` refuses an issue that is not approved, or that changed after approval. With `approval.twoPeople`, the approver must not be the editor named in issue.md.',
    )
    .action((date: string, options: { by: string; json?: boolean }) =>
      run(async () => {
        // Loaded when the command runs, not at start-up: approving builds the email (MJML) and opens SQLite.
        const { approveCommand } = await import('./approve-run.js');
        return approveCommand(program.opts<GlobalOptions>().root, date, options);
      }),
    );
}
