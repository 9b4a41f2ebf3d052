import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { formatDiagnostic, formatSummary } from '../diagnostics/format.js';
import type { IssueReport, PipelineReport } from '../build/pipeline.js';
import type { SendRefusal } from '../dispatch/send-policy.js';
import { say } from './io.js';

export interface Outcome {
  ok: boolean;
  errors: number;
  warnings: number;
}

/** Prints every problem of a run, and says whether the run failed (errors, or warnings when strict). */
export function reportProblems(report: PipelineReport, strict: boolean): Outcome {
  const all: Diagnostic[] = [...report.configProblems, ...report.issues.flatMap((i) => i.problems)];
  for (const problem of all) say(`${formatDiagnostic(problem)}\n`);
  const errors = all.filter((d) => d.severity === 'error').length;
  const warnings = all.length - errors;
  return { ok: errors === 0 && (!strict || warnings === 0), errors, warnings };
}

/** The `--json` document of check and build: the outcome, then each issue with `extra` fields. */
export function reportJson(
  report: PipelineReport,
  outcome: Outcome,
  extra: (issue: IssueReport) => object = () => ({}),
) {
  return {
    ok: outcome.ok,
    errors: outcome.errors,
    warnings: outcome.warnings,
    config: problemsJson(report.configProblems),
    issues: report.issues.map((i) => ({ date: i.date, ...extra(i), problems: problemsJson(i.problems) })),
  };
}

export function problemsJson(problems: readonly Diagnostic[]) {
  return problems.map(({ frame: _frame, ...rest }) => rest);
}

export { formatSummary };

/** Why a send to a list may not go: each place in content with its code frame, then each reason. */
export function sayRefusals(refusals: readonly SendRefusal[]): void {
  for (const problem of refusals.flatMap((r) => r.problems)) say(`${formatDiagnostic(problem)}\n`);
  for (const refusal of refusals) say(`${refusal.reason}.`);
}
