#!/usr/bin/env node
import type { GlobalOptions } from './options.js';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { CONFIG_NAMES } from '../content/config-names.js';
import { Command, CommanderError } from 'commander';
import { packageRoot } from '../support/package-root.js';
import { registerAdd } from './commands/add.js';
import { registerApprove } from './commands/approve.js';
import { registerBounces } from './commands/bounces.js';
import { registerBuild } from './commands/build.js';
import { registerCheck } from './commands/check.js';
import { registerDb } from './commands/db.js';
import { registerExplain } from './commands/explain.js';
import { registerNew } from './commands/new.js';
import { registerPreview } from './commands/preview.js';
import { registerSchedule } from './commands/schedule.js';
import { registerSend } from './commands/send.js';
import { registerStats } from './commands/stats.js';
import { registerStatus } from './commands/status.js';
import { registerServe } from './commands/serve.js';
import { registerSubscribers } from './commands/subscribers.js';
import { SetupError } from '../diagnostics/setup-error.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError } from './exit.js';
import { printJson, say } from './io.js';
import { standInIssue } from './select-dates.js';

/**
 * The site a folder belongs to: itself, or one above it when the folder is inside that site's
 * `bulletins/` or `templates/` (never any folder that happens to sit below a site: a new site
 * started in one must not be written into the site above). Inside `bulletins/DATE/`, that issue.
 */
function siteAbove(dir: string): { root: string; issue?: string } {
  for (let at = dir; ; at = dirname(at)) {
    if (CONFIG_NAMES.some((name) => existsSync(join(at, name)))) {
      const [top, second] = relative(at, dir).split(sep);
      if (at === dir) return { root: dir };
      if (top !== 'bulletins' && top !== 'templates') return { root: dir };
      return { root: at, ...(top === 'bulletins' && second && isIssueDate(second) ? { issue: second } : {}) };
    }
    if (dirname(at) === at) return { root: dir };
  }
}

function isIssueDate(name: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(name);
}

const { version } = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
  version: string;
};

export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = EXIT_OK;
  // With --json, scripts get one JSON document on stdout even when the command never ran.
  const wantsJson = argv.includes('--json');
  const fail = (code: number, message: string) => {
    if (wantsJson) printJson({ ok: false, exitCode: code, error: message });
    return code;
  };
  const run = async (action: () => Promise<number>) => {
    try {
      exitCode = await action();
    } catch (error) {
      if (error instanceof UsageError) {
        say(`bulletin: ${error.message}`);
        exitCode = fail(EXIT_USAGE, error.message);
      } else if (error instanceof SetupError) {
        say(`bulletin: ${error.message}`);
        exitCode = fail(EXIT_FAILED, error.message);
      } else {
        say(`bulletin: ${(error as Error).stack ?? String(error)}`);
        exitCode = fail(EXIT_FAILED, (error as Error).message);
      }
    }
  };

  const program = new Command('bulletin')
    .description('Write, check and build a weekly bulletin as email and a web archive.')
    .version(version)
    .option('--root <dir>', 'the site folder (bulletin.config.yaml, bulletins/, templates/)', process.cwd())
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
  program.hook('preAction', () => {
    const given = resolve(program.opts<GlobalOptions>().root);
    if (program.getOptionValueSource('root') !== 'default') return void program.setOptionValue('root', given);
    // Like git: run from inside bulletins/2026-11-27/, a command finds the site it belongs to, and that
    // issue.
    const found = siteAbove(given);
    program.setOptionValue('root', found.root);
    standInIssue(found.issue);
    if (found.root !== given)
      say(`(the site in ${relative(given, found.root)}${found.issue ? `, issue ${found.issue}` : ''})`);
  });
  for (const register of [
    registerNew,
    registerAdd,
    registerCheck,
    registerPreview,
    registerBuild,
    registerServe,
    registerSubscribers,
    registerApprove,
    registerSend,
    registerStatus,
    registerStats,
    registerBounces,
    registerSchedule,
    registerDb,
    registerExplain,
  ]) {
    register(program, run);
  }
  const everyCommand = (commands: readonly Command[]): Command[] =>
    commands.flatMap((c) => [c, ...everyCommand(c.commands)]);
  for (const command of everyCommand(program.commands)) command.exitOverride();

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // `--help` and `--version` succeed; help shown because no command was given is bad usage.
      if (['commander.helpDisplayed', 'commander.version'].includes(error.code)) return EXIT_OK;
      return fail(EXIT_USAGE, error.message.replace(/^error: /, ''));
    }
    throw error;
  }
  return exitCode;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    say(`bulletin: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = EXIT_FAILED;
  },
);
