import { resolve } from 'node:path';
import type { Command } from 'commander';
import { EXIT_FAILED, EXIT_OK } from '../exit.js';
import { kb, printJson, say, shortPath } from '../io.js';
import { formatSummary, reportJson, reportProblems } from '../report.js';
import { selectDates } from '../select-dates.js';
import type { GlobalOptions } from '../options.js';
import { raiseOptimizerBudgetForBatchRun } from '../../build/optimizer-budget.js';

export function registerBuild(program: Command, run: (action: () => Promise<number>) => Promise<void>): void {
  program
    .command('build')
    .description(
      'build the email (HTML + plain text) of issues into dist/email/YYYY-MM-DD/, and the web archive of every issue into dist/site/',
    )
    .argument('[dates...]', 'issue dates (YYYY-MM-DD); default: the latest issue')
    .option('--all', 'build every issue')
    .option('--strict', 'treat warnings as errors')
    .option('--out <dir>', 'output folder, relative to the site folder', 'dist')
    .option('--no-site', 'build only the email, not the web archive')
    .option('--no-cache', 'parse and render every issue afresh, ignoring .bulletin/cache/')
    .option('--json', 'print one JSON document on stdout (paths and byte sizes)')
    .addHelpText(
      'after',
      '\nNothing is written for an issue with errors; a previous build of it is left as it was.',
    )
    .action(
      (
        dates: string[],
        options: {
          all?: boolean;
          strict?: boolean;
          cache: boolean;
          out: string;
          site: boolean;
          json?: boolean;
        },
      ) =>
        run(async () => {
          const { root } = program.opts<GlobalOptions>();
          raiseOptimizerBudgetForBatchRun();
          const selected = await selectDates(root, dates, options.all);
          const { runPipeline } = await import('../../build/pipeline.js');
          const report = await runPipeline({
            root,
            dates: selected,
            write: true,
            site: options.site,
            outDir: resolve(root, options.out),
            strict: options.strict ?? false,
            cache: options.cache,
          });
          const outcome = reportProblems(report, options.strict ?? false);
          for (const issue of report.issues) {
            if (issue.outputs) {
              const { html, text } = issue.outputs;
              say(
                `${issue.date}: built ${shortPath(html.path)} (${kb(html.bytes)}) and ${shortPath(text.path)} (${kb(text.bytes)}); ${formatSummary(issue.problems)}`,
              );
            } else say(`${issue.date}: not built; ${formatSummary(issue.problems)}`);
          }
          if (report.site)
            say(
              `site: ${report.site.pages} pages (${report.site.searchPages} searchable) in ${shortPath(report.site.dir)}/`,
            );
          if (report.siteSkipped) say(`site: ${report.siteSkipped}`);
          if (options.json) {
            printJson({
              ...reportJson(report, outcome, (i) => ({
                built: Boolean(i.outputs),
                ...(i.outputs ? { html: i.outputs.html, text: i.outputs.text } : {}),
              })),
              site: report.site ?? null,
              ...(report.siteSkipped ? { siteSkipped: report.siteSkipped } : {}),
            });
          }
          return outcome.ok && !report.siteSkipped ? EXIT_OK : EXIT_FAILED;
        }),
    );
}
