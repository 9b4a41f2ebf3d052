import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { isItemKind, itemKinds, kindSpec } from '../../content/kinds/index.js';
import { suggestion } from '../../diagnostics/suggest.js';
import { EXIT_FAILED, EXIT_OK, UsageError } from '../exit.js';
import { printJson, say, shortPath } from '../io.js';
import { assertDate, defaultIssue } from '../select-dates.js';
import type { GlobalOptions } from '../options.js';
import { SetupError } from '../../diagnostics/setup-error.js';
import { causeOf, isErrno, isSystemError } from '../../support/errors.js';

export function registerAdd(program: Command, run: (action: () => Promise<number>) => Promise<void>): void {
  program
    .command('add')
    .description('add an item file to an issue, with a valid skeleton for its kind')
    .argument('<kind>', `the kind of item: ${itemKinds.join(', ')}`)
    .argument('<title>', 'the item title, on one line')
    .option(
      '--issue <YYYY-MM-DD>',
      'the issue to add to (default: the one whose folder you are in, else the latest)',
    )
    .option('--programme <id>', 'for kind programme: the programme id from the config')
    .option('--json', 'print one JSON document on stdout')
    .action((kind: string, title: string, options: { issue?: string; programme?: string; json?: boolean }) =>
      run(async () => {
        const { root } = program.opts<GlobalOptions>();
        if (!isItemKind(kind))
          throw new UsageError(
            `Unknown kind "${kind}".${suggestion(kind, itemKinds)} The kinds are ${itemKinds.join(', ')}.`,
          );
        if (/[\r\n]/.test(title) || title.trim() === '')
          throw new UsageError('The title must be one non-empty line.');
        const date = options.issue ? assertDate(options.issue) : await defaultIssue(root);
        if (!date) throw new UsageError('There is no issue to add to. Start one with `bulletin new`.');
        const dir = join(root, 'bulletins', date);
        let existing: string[];
        try {
          existing = await readdir(dir);
        } catch (error) {
          if (isErrno(error, 'ENOENT'))
            throw new UsageError(
              `There is no issue ${date}. Create it with \`bulletin new --date ${date}\`.`,
            );
          if (!isSystemError(error)) throw error;
          throw new SetupError(
            `Cannot read the issue folder ${shortPath(dir)} (${causeOf(error)}); check that it is a folder ` +
              '(not a file or a broken link) and that you may read it.',
            { cause: error },
          );
        }
        const spec = kindSpec(kind);
        const { itemSkeleton, slug } = await import('../../content/scaffold.js');
        if (spec.ownProgramme) await assertProgramme(root, options.programme);

        const sameTitle = existing.find((n) => n.replace(/^\d+-/, '') === `${slug(title)}.md`);
        if (sameTitle && !spec.oneFile) {
          say(`${shortPath(join(dir, sameTitle))} already has this title; nothing was changed.`);
          if (options.json) printJson({ ok: false, path: join(dir, sameTitle), reason: 'exists' });
          return EXIT_FAILED;
        }
        const numbers = existing
          .map((n) => /^(\d+)-/.exec(n)?.[1])
          .filter(Boolean)
          .map(Number);
        const next = String((numbers.length ? Math.max(...numbers) : 0) + 1).padStart(2, '0');
        const name = spec.oneFile?.name ?? `${next}-${slug(title)}.md`;
        const path = join(dir, name);
        try {
          await writeFile(path, itemSkeleton(kind, title.trim(), date, options.programme), {
            flag: 'wx',
          });
        } catch (error) {
          if (!isErrno(error, 'EEXIST')) throw await notWritten(path, dir, error);
          say(
            `${shortPath(path)} already exists; nothing was changed. Edit it to add to it${spec.oneFile ? ` (${spec.oneFile.addHint})` : ', or give the new item another title'}.`,
          );
          if (options.json) printJson({ ok: false, path, reason: 'exists' });
          return EXIT_FAILED;
        }
        say(`Created ${shortPath(path)}. Write the item, then run \`bulletin check ${date}\`.`);
        if (options.json) printJson({ ok: true, date, path });
        return EXIT_OK;
      }),
    );
}

async function assertProgramme(root: string, programme: string | undefined): Promise<void> {
  const { loadConfig } = await import('../../content/config.js');
  const { config } = await loadConfig(root);
  const ids = config?.programmes.map((p) => p.id) ?? [];
  if (!programme)
    throw new UsageError(`A programme item needs --programme <id>; the programmes are: ${ids.join(', ')}.`);
  if (config && !ids.includes(programme))
    throw new UsageError(
      `Unknown programme "${programme}".${suggestion(programme, ids)} The programmes are: ${ids.join(', ')}.`,
    );
}

/**
 * A write that failed part-way (a full disk) must not leave an empty or cut-short item behind to fail the
 * next check: the file was created by this command (`wx`), so it is removed. A system error becomes one
 * line naming the file; anything else (a bug) goes through as it is.
 */
async function notWritten(path: string, dir: string, error: unknown): Promise<unknown> {
  await rm(path, { force: true });
  if (!isSystemError(error)) return error;
  return new SetupError(
    `Could not write ${shortPath(path)} (${causeOf(error)}); nothing was added. Check that the disk has space ` +
      `and that you may write to ${shortPath(dir)}, then run the command again.`,
    { cause: error },
  );
}
