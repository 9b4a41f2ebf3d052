import type { Command } from 'commander';
import type { GlobalOptions } from '../options.js';
import type { ScheduleOptions } from './schedule-run.js';

type Run = (action: () => Promise<number>) => Promise<void>;

export function registerSchedule(program: Command, run: Run): void {
  program
    .command('schedule')
    .description('queue a send for `bulletin serve` to run at a time (in the site time zone); or --cancel it')
    .argument('<date>', 'the issue (YYYY-MM-DD)')
    .requiredOption('--list <id>', 'the list to send to')
    .option('--at <when>', 'when, as "YYYY-MM-DD HH:MM" in site.timezone')
    .option('--cancel', 'cancel the scheduled send')
    .option('--offline', 'do not check links over the network first (also BULLETIN_OFFLINE=1)')
    .option('--json', 'print one JSON document on stdout')
    .action((date: string, options: ScheduleOptions) =>
      run(async () => {
        // Loaded when the command runs, not at start-up: scheduling builds the email (MJML) and opens SQLite.
        const { scheduleCommand } = await import('./schedule-run.js');
        return scheduleCommand(program.opts<GlobalOptions>().root, date, options);
      }),
    );
}
