import { problemCodes, type ProblemCode, type Severity } from './codes.js';
import { codeFrameAt, type Place, type SourceText } from './source-text.js';

export type { Place };

/** One problem found in content: what, where, and how to fix it. */
export interface Diagnostic {
  code: ProblemCode;
  severity: Severity;
  /** Path as the user typed it or relative to the working directory. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
  /** What is wrong, in one sentence. */
  message: string;
  /** What to do about it. */
  hint?: string;
  /** A few lines of the source around the place, with a marker. */
  frame?: string;
}

/** Builds a diagnostic at a place in a source text, with its code frame. */
export function diagnose(
  source: SourceText,
  place: Place,
  code: ProblemCode,
  message: string,
  hint?: string,
): Diagnostic {
  const frame = source.text.length > 0 ? codeFrameAt(source, place) : undefined;
  return {
    code,
    severity: problemCodes[code],
    file: source.path,
    line: place.line,
    column: place.column,
    message,
    ...(hint ? { hint } : {}),
    ...(frame ? { frame } : {}),
  };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Orders by file, then position, so reports read top to bottom. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column,
  );
}
