import { catalogueEntry } from './catalogue.js';
import { type ProblemCode, problemCodes, type Severity } from './codes.js';
import { didYouMean } from './suggest.js';

/** What `bulletin explain CODE` says about a code, and what docs/problems.md lists for each. */
export interface Explanation {
  code: ProblemCode;
  severity: Severity;
  means: string;
  fix: string;
  example: { message: string; hint?: string };
}

export const allCodes = Object.keys(problemCodes) as ProblemCode[];

export function isProblemCode(code: string): code is ProblemCode {
  return Object.hasOwn(problemCodes, code);
}

/** The closest known code to a mistyped one, for "did you mean". */
export function closestCode(code: string): ProblemCode | undefined {
  return didYouMean(code, allCodes) as ProblemCode | undefined;
}

export function explain(code: ProblemCode): Explanation {
  const entry = catalogueEntry(code);
  const hint = entry.hint(entry.example);
  return {
    code,
    severity: problemCodes[code],
    means: entry.means,
    fix: entry.fix,
    example: { message: entry.message(entry.example), ...(hint ? { hint } : {}) },
  };
}

/** The explanation as a terminal reads it. */
export function explanationText(explanation: Explanation): string {
  const { example } = explanation;
  return [
    `${explanation.code} (${explanation.severity})`,
    '',
    `What it means: ${explanation.means}`,
    `How to fix it: ${explanation.fix}`,
    '',
    'Example:',
    `  ${explanation.severity}: ${example.message}`,
    ...(example.hint ? [`  hint: ${example.hint}`] : []),
    '',
  ].join('\n');
}
