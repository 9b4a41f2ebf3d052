import type { Command } from 'commander';

type Run = (action: () => Promise<number>) => Promise<void>;

/**
 * `bulletin bounces ...`: what comes back after a send. One group, one subcommand each (classify
 * here; fetch reads the bounce mailbox), so a new reader is one more `bounces.command(...)`.
 */
export function registerBounces(program: Command, run: Run): void {
  const bounces = program
    .command('bounces')
    .description('read bounces and complaints: classify a saved message');
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
}
