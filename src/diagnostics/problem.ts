import type { ProblemCode } from './codes.js';
import { catalogueEntry, type ProblemParams } from './catalogue.js';
import { diagnose, type Diagnostic } from './diagnostic.js';
import { type Place, placeAt, type SourceText } from './source-text.js';

/** Where a problem is: a place in a source text. */
export interface ProblemPlace extends Place {
  source: SourceText;
}

/** The place of problems that belong to a whole file rather than to a line of it. */
export const FILE_START: Place = Object.freeze({ line: 1, column: 1 });

export function at(source: SourceText, place: Place): ProblemPlace {
  return { source, line: place.line, column: place.column };
}

/** The place of a 0-based character offset in a source text. */
export function atOffset(source: SourceText, offset: number): ProblemPlace {
  return at(source, placeAt(source, offset));
}

export function startOf(source: SourceText): ProblemPlace {
  return at(source, FILE_START);
}

type ParamsArgument<C extends ProblemCode> =
  Record<string, never> extends ProblemParams<C> ? [params?: ProblemParams<C>] : [params: ProblemParams<C>];

/** A problem of a code at a place, in the words the catalogue gives that code. */
export function problem<C extends ProblemCode>(
  code: C,
  place: ProblemPlace,
  ...[params]: ParamsArgument<C>
): Diagnostic {
  const entry = catalogueEntry(code);
  const values = (params ?? {}) as ProblemParams<C>;
  return diagnose(place.source, place, code, entry.message(values), entry.hint(values));
}
