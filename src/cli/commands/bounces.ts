import type { Command } from 'commander';
import type { GlobalOptions } from '../options.js';

type Run = (action: () => Promise<number>) => Promise<void>;

/**
 * `bulletin bounces ...`: what comes back after a send. One group, one subcommand each (classify
 * reads saved files, fetch the bounce mailbox), so a new reader is one more `bounces.command(...)`;
 * each loads its work when it runs.
 */
export function registerBounces(program: Command, run: Run): void {
  const bounces = program
    .command('bounces')
    .description('bounces and complaints: read the bounce mailbox, classify saved notices');
  bounces
    .command('classify')
    .description(
      'say what each saved bounce, complaint or auto-reply (.eml) reports: recipients, status, verdict',
    )
    .argument('<file...>', 'messages as saved from a mail client (RFC 5322, .eml)')
    .option('--json', 'print one JSON document on stdout')
    .addHelpText(
      'after',
      '\nVerdicts: hard (the address will never accept mail), soft (it may later: full, blocked, timed out), ' +
        'complaint, auto-reply (ignored), delivered, unknown (nothing to act on). Nothing is changed: this ' +
        'only reads the files.',
    )
    .action((files: string[], options: { json?: boolean }) =>
      run(async () => {
        // Loaded when the command runs: the MIME parser is not start-up's to pay.
        const { bouncesClassifyCommand } = await import('./bounces-run.js');
        return bouncesClassifyCommand(files, options);
      }),
    );
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
