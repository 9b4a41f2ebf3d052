#!/usr/bin/env -S node --interrupt-budget=270336
// The flags on the line above are NODE_FLAGS (node-flags.ts), which says why.
import type { GlobalOptions } from './options.js';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { CONFIG_NAMES } from '../content/config-names.js';
import { Command, CommanderError } from 'commander';
import { packageRoot } from '../support/package-root.js';
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

type Register = (program: Command, run: (action: () => Promise<number>) => Promise<void>) => void;

/** Every command, in the order help lists them, each loaded from its own module. */
const COMMANDS: Record<string, () => Promise<Register>> = {
  new: async () => (await import('./commands/new.js')).registerNew,
  add: async () => (await import('./commands/add.js')).registerAdd,
  check: async () => (await import('./commands/check.js')).registerCheck,
  preview: async () => (await import('./commands/preview.js')).registerPreview,
  build: async () => (await import('./commands/build.js')).registerBuild,
  serve: async () => (await import('./commands/serve.js')).registerServe,
  subscribers: async () => (await import('./commands/subscribers.js')).registerSubscribers,
  approve: async () => (await import('./commands/approve.js')).registerApprove,
  send: async () => (await import('./commands/send.js')).registerSend,
  status: async () => (await import('./commands/status.js')).registerStatus,
  stats: async () => (await import('./commands/stats.js')).registerStats,
  bounces: async () => (await import('./commands/bounces.js')).registerBounces,
  schedule: async () => (await import('./commands/schedule.js')).registerSchedule,
  db: async () => (await import('./commands/db.js')).registerDb,
  explain: async () => (await import('./commands/explain.js')).registerExplain,
};

/**
 * The commands to register: only the one the arguments name, else (help, no command, a mistyped
 * one, which is then told the closest) all of them. Registering all loaded what every command
 * needs (the config's schema among it) before any began: ~0.2 s before `build` could start its
 * threads.
 */
async function commandsFor(argv: readonly string[]): Promise<Register[]> {
  const named = argv.find((arg, i) => !arg.startsWith('-') && argv[i - 1] !== '--root');
  const only = named !== undefined && Object.hasOwn(COMMANDS, named) ? [COMMANDS[named]!] : undefined;
  return Promise.all((only ?? Object.values(COMMANDS)).map((load) => load()));
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
  for (const register of await commandsFor(argv)) register(program, run);
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
