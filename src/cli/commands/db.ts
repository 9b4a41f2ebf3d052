import type { Command } from 'commander';
import type { GlobalOptions } from '../options.js';

type Run = (action: () => Promise<number>) => Promise<void>;

export function registerDb(program: Command, run: Run): void {
  const db = program.command('db').description("move the site's database between SQLite and PostgreSQL");
  db.command('copy')
    .description(
      'copy every table (subscribers, consent log, ledger, schedules, approvals...) into an empty database',
    )
    .requiredOption('--from <database>', 'a SQLite file (path or sqlite:path) or a postgres:// URL')
    .requiredOption('--to <database>', 'an empty database: a SQLite file or a postgres:// URL')
    .option('--json', 'print one JSON document on stdout')
    .addHelpText(
      'after',
      '\nStop every `bulletin serve` and `bulletin send` on the source first. The target must be empty (it is ' +
        'created and migrated if need be); ids are kept, and the row count of every table is compared after ' +
        'the copy. Then point BULLETIN_DATABASE (or `database` in the config) at the target.',
    )
    .action((options: { from: string; to: string; json?: boolean }) =>
      run(async () => {
        // Loaded when the command runs: it opens SQLite or connects to PostgreSQL.
        const { dbCopyCommand } = await import('./db-run.js');
        return dbCopyCommand(program.opts<GlobalOptions>().root, options);
      }),
    );
}
