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
        try {
          await mkdir(join(root, 'bulletins'), { recursive: true });
          await mkdir(dir); // not recursive: fails if the issue exists, so nothing is overwritten
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
          say(`${shortPath(dir)} already exists; nothing was changed. Add items with \`bulletin add <kind> <title> --issue ${date}\`.`);
          if (options.json) printJson({ ok: false, date, dir, reason: 'exists' });
          return EXIT_FAILED;
        }
        const files = [join(dir, 'issue.md'), join(dir, 'meetings.md')];
        await writeFile(files[0]!, issueSkeleton(date), { flag: 'wx' });
        await writeFile(files[1]!, meetingsSkeleton(date), { flag: 'wx' });
        say(`Created ${shortPath(dir)}/ with issue.md and meetings.md. Replace each TK, then run \`bulletin check ${date}\`.`);
        if (options.json) printJson({ ok: true, date, dir, files });
        return EXIT_OK;
      }),
    );
}
