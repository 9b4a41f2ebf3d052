import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { issueSkeleton, meetingsSkeleton } from '../../content/scaffold.js';
import { EXIT_FAILED, EXIT_OK } from '../exit.js';
import { printJson, say, shortPath } from '../io.js';
import { assertDate, comingFriday, todayIso } from '../select-dates.js';
import type { GlobalOptions } from '../main.js';

export function registerNew(program: Command, run: (action: () => Promise<number>) => Promise<void>): void {
  program
    .command('new')
    .description('scaffold the next issue: bulletins/YYYY-MM-DD/ with issue.md and meetings.md')
    .option('--date <YYYY-MM-DD>', 'publication date (default: the coming Friday)')
    .option('--json', 'print one JSON document on stdout')
    .action((options: { date?: string; json?: boolean }) =>
      run(async () => {
        const { root } = program.opts<GlobalOptions>();
        const date = options.date ? assertDate(options.date) : comingFriday(todayIso());
        const dir = join(root, 'bulletins', date);
        await mkdir(dir, { recursive: true });
        // A folder that already has items but lost (or never had) issue.md gets the missing files; nothing is ever overwritten.
        const written: string[] = [];
        for (const [name, text] of [['issue.md', issueSkeleton(date)], ['meetings.md', meetingsSkeleton(date)]] as const) {
          try {
            await writeFile(join(dir, name), text, { flag: 'wx' });
            written.push(join(dir, name));
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
          }
        }
        if (!written.some((f) => f.endsWith('issue.md'))) {
          say(`${shortPath(dir)}/issue.md already exists; nothing was changed${written.length ? ' but the missing meetings.md' : ''}. Add items with \`bulletin add <kind> <title> --issue ${date}\`.`);
          if (options.json) printJson({ ok: false, date, dir, reason: 'exists' });
          return EXIT_FAILED;
        }
        const files = written;
        say(`Created ${written.map((f) => shortPath(f)).join(' and ')}. Replace each TK, then run \`bulletin check ${date}\`.`);
        if (options.json) printJson({ ok: true, date, dir, files });
        return EXIT_OK;
      }),
    );
}
