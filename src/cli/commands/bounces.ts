import type { Command } from 'commander';
import type { GlobalOptions } from '../options.js';

type Run = (action: () => Promise<number>) => Promise<void>;

/** `bulletin bounces ...`: one subcommand each, each loading its work when it runs. */
export function registerBounces(program: Command, run: Run): void {
  const bounces = program
    .command('bounces')
    .description('bounces and complaints: read the bounce mailbox, classify notices');
  bounces
    .command('fetch')
    .description(
      'read every message in the bounce mailbox (dispatch.bounces.imap), act on it, and move it to the processed folder',
    )
    .option('--json', 'print one JSON document on stdout')
    .addHelpText(
      'after',
      '\nThe password comes from BULLETIN_BOUNCES_IMAP_PASSWORD. A message whose handling fails is flagged ' +
        '$BulletinFailed and left (tried again next time); one over 10 MB is flagged $BulletinTooLarge and ' +
        'left unread. `bulletin serve` does the same every dispatch.bounces.imap.pollMinutes.',
    )
    .action((options: { json?: boolean }) =>
      run(async () => {
        // Loaded when the command runs: it opens the database and an IMAP connection.
        const { bouncesFetchCommand } = await import('./bounces-fetch-run.js');
        return bouncesFetchCommand(program.opts<GlobalOptions>().root, options);
      }),
    );
}
