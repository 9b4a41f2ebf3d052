import type { Command } from 'commander';
import { EXIT_OK, UsageError } from '../exit.js';
import { printJson } from '../io.js';

export function registerExplain(
  program: Command,
  run: (action: () => Promise<number>) => Promise<void>,
): void {
  program
    .command('explain')
    .description('say what a problem code means and how to fix it, e.g. `bulletin explain image-missing`')
    .argument('<code>', 'a problem code, as `bulletin check` prints it')
    .option('--json', 'print one JSON document on stdout')
    .action((code: string, options: { json?: boolean }) =>
      run(async () => {
        const { closestCode, explain, explanationText, isProblemCode } = await import(
          '../../diagnostics/explain.js'
        );
        const wanted = code.trim().toLowerCase();
        if (!isProblemCode(wanted)) {
          const guess = closestCode(wanted);
          throw new UsageError(
            `there is no problem code "${code}".${guess ? ` Did you mean "${guess}"?` : ''} ` +
              'docs/problems.md lists every code.',
          );
        }
        const explanation = explain(wanted);
        // The explanation is what was asked for, so it goes to stdout (as `--help` does), not stderr.
        if (options.json) printJson({ ok: true, ...explanation });
        else process.stdout.write(explanationText(explanation));
        return EXIT_OK;
      }),
    );
}
