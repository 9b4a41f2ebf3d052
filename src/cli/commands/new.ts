import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { EXIT_FAILED, EXIT_OK } from '../exit.js';
import { printJson, say, shortPath } from '../io.js';
import { assertDate, comingFriday, todayIso } from '../select-dates.js';
import type { GlobalOptions } from '../options.js';

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
        const { issueSkeleton, oneFileSkeletons } = await import('../../content/scaffold.js');
        const dir = join(root, 'bulletins', date);
        await mkdir(dir, { recursive: true });
        // Into a folder that has items but lost (or never had) its issue.md, only issue.md: a
        // meetings.md the writer deleted, or meetings kept under another name, stay as they are.
        const hadItems = (await readdir(dir)).some((name) => name.endsWith('.md'));
        const wanted = hadItems
          ? [['issue.md', issueSkeleton(date)]]
          : [['issue.md', issueSkeleton(date)], ...oneFileSkeletons(date)];
        const written: string[] = [];
        for (const [name, text] of wanted) {
          try {
            await writeFile(join(dir, name!), text!, { flag: 'wx' });
            written.push(join(dir, name!));
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
          }
        }
        if (written.length === 0) {
          say(
            `${shortPath(dir)}/issue.md already exists; nothing was changed. Add items with \`bulletin add <kind> <title> --issue ${date}\`.`,
          );
          if (options.json) printJson({ ok: false, date, dir, reason: 'exists' });
          return EXIT_FAILED;
        }
        const files = written;
        say(
          `Created ${written.map((f) => shortPath(f)).join(' and ')}. Replace each TK, then run \`bulletin check ${date}\`.`,
        );
        if (options.json) printJson({ ok: true, date, dir, files });
        return EXIT_OK;
      }),
    );
}
