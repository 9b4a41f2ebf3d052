import type { Command } from 'commander';
import type { GlobalOptions } from '../options.js';
import type { SendOptions } from './send-run.js';

export { parseWindow } from '../send-window.js';

type Run = (action: () => Promise<number>) => Promise<void>;

export function registerSend(program: Command, run: Run): void {
  program
    .command('send')
    .description('send an issue to a subscriber list (resumable: run it again to continue)')
    .argument('<date>', 'the issue (YYYY-MM-DD)')
    .requiredOption('--list <id>', 'the list to send to')
    .option('--dry-run', 'say who would get it; send nothing')
    .option('--to <address>', 'send one test message to this address (no ledger, no list)')
    .option('--rate <n>', 'messages per second at most (default from config)')
    .option('--concurrency <n>', 'parallel SMTP connections (default from config)')
    .option(
      '--window <cap>',
      'at most N messages in any sliding window, as N/DURATION, e.g. 2000/24h or 500/1h (default from config)',
    )
    .option(
      '--resend-unknown',
      'also resend messages whose outcome is unknown (the connection broke mid-message)',
    )
    .option('--force', 'send even though the issue is older than dispatch.maxAgeDays')
    .option('--offline', 'do not check links over the network first (also BULLETIN_OFFLINE=1)')
    .option('--json', 'print one JSON document on stdout')
    .addHelpText(
      'after',
      '\nWithout SMTP_URL, messages go to .bulletin/outbox/ as .eml files. Ctrl-C stops claiming new messages and lets those in flight finish.',
    )
    .action((date: string, options: SendOptions) =>
      run(async () => {
        // Loaded when the command runs, not at start-up: sending pulls in MJML, nodemailer and
        // SQLite, which `bulletin --help` and every other command would otherwise pay for.
        const { sendCommand } = await import('./send-run.js');
        return sendCommand(program.opts<GlobalOptions>().root, date, options);
      }),
    );
}
