import type { Command } from 'commander';
import type { GlobalOptions } from '../options.js';

type Run = (action: () => Promise<number>) => Promise<void>;

export function registerStats(program: Command, run: Run): void {
  program
    .command('stats')
    .description(
      'what an issue did: sent and delivered per list, and clicks per item and link, readers apart from ' +
        'mail scanners (with analytics.clicks on; no one is tracked)',
    )
    .argument('<date>', 'the issue (YYYY-MM-DD)')
    .option(
      '--list <id>',
      'sent and delivered of this list only (a click does not say which list it came from)',
    )
    .option('--json', 'print one JSON document on stdout')
    .option('--csv', 'print one CSV row per link on stdout, for a monthly report')
    .action((date: string, options: { list?: string; json?: boolean; csv?: boolean }) =>
      run(async () => {
        // Loaded when the command runs: SQLite and the config's parser are not start-up's to pay.
        const { statsCommand } = await import('./stats-run.js');
        return statsCommand(program.opts<GlobalOptions>().root, date, options);
      }),
    );
}
