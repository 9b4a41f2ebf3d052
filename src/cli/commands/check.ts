import type { Command } from 'commander';
import { EXIT_FAILED, EXIT_OK } from '../exit.js';
import { printJson, say } from '../io.js';
import { formatSummary, reportJson, reportProblems } from '../report.js';
import { selectDates } from '../select-dates.js';
import { sortDiagnostics, type Diagnostic } from '../../diagnostics/diagnostic.js';
import type { IssueReport } from '../../build/pipeline.js';
import type { GlobalOptions } from '../options.js';
import { raiseOptimizerBudgetForBatchRun } from '../../build/optimizer-budget.js';

export function registerCheck(program: Command, run: (action: () => Promise<number>) => Promise<void>): void {
  program
    .command('check')
    .description(
      'validate issues and run the pre-send checks; every problem is reported with file:line:column',
    )
    .argument('[dates...]', 'issue dates (YYYY-MM-DD); default: the latest issue')
    .option('--all', 'check every issue')
    .option('--strict', 'fail (exit 1) on warnings too')
    .option('--no-cache', 'parse and render every issue afresh, ignoring .bulletin/cache/')
    .option('--offline', 'do not check links over the network (also BULLETIN_OFFLINE=1)')
    .option('--json', 'print one JSON document on stdout')
    .addHelpText(
      'after',
      '\nEvery link and image address is asked for (HEAD, then GET) unless --offline; answers are kept for a day in .bulletin/cache/links.json.\nExit codes: 0 no errors, 1 errors (or warnings with --strict), 2 bad usage.',
    )
    .action(
      (
        dates: string[],
        options: { all?: boolean; strict?: boolean; cache: boolean; offline?: boolean; json?: boolean },
      ) =>
        run(async () => {
          const { root } = program.opts<GlobalOptions>();
          raiseOptimizerBudgetForBatchRun();
          const selected = await selectDates(root, dates, options.all);
          const { runPipeline } = await import('../../build/pipeline.js');
          const report = await runPipeline({ root, dates: selected, write: false, cache: options.cache });
          await addLinkProblems(root, report.issues, options.offline);
          const outcome = reportProblems(report, options.strict ?? false);
          for (const issue of report.issues) {
            say(`${issue.date}: ${formatSummary(issue.problems)}`);
            // So that fixing everything listed is not followed by a surprise.
            if (!issue.emailChecked && issue.problems.some((p) => p.severity === 'error'))
              say(`${issue.date}: ${checksToCome(issue.problems)}`);
          }
          if (options.json) {
            printJson(reportJson(report, outcome));
          }
          return outcome.ok ? EXIT_OK : EXIT_FAILED;
        }),
    );
}

/**
 * What an issue's errors kept from running. An email template that fails stops only the email's own
 * checks: the issue was loaded, checked and rendered before its email was laid out.
 */
function checksToCome(problems: readonly Diagnostic[]): string {
  if (problems.some((p) => p.code === 'template-error'))
    return "the checks of the email (its size, parts and unsubscribe link) run once the template's error is fixed.";
  return "the checks of the whole issue (meetings in next week, empty sections, the subject, the email's size, parts and unsubscribe link) run once these errors are fixed.";
}

/**
 * The network check of every issue's links in one pass (one pool, each address once), each problem filed
 * under its issue.
 */
async function addLinkProblems(
  root: string,
  issues: IssueReport[],
  offline: boolean | undefined,
): Promise<void> {
  const { checkLinksOf } = await import('../link-check.js');
  const problems = await checkLinksOf(
    root,
    issues.flatMap((issue) => issue.links ?? []),
    offline,
  );
  for (const issue of issues) {
    const own = new Set(issue.links?.map((t) => t.file));
    const found = problems.filter((p) => own.has(p.file));
    if (found.length) issue.problems = sortDiagnostics([...issue.problems, ...found]);
  }
}
