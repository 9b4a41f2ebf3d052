import type { ProblemCode } from './codes.js';
import type { CatalogueEntry, SchemaParams, SomeEntry } from './catalogue/entry.js';
import { issueEntries } from './catalogue/issue.js';
import { outputEntries } from './catalogue/output.js';
import { readingEntries } from './catalogue/reading.js';
import { warningEntries } from './catalogue/warnings.js';

export type { CatalogueEntry };

/**
 * Every problem code with its words: message and hint templates, and what it means and how to fix
 * it for `bulletin explain` and docs/problems.md. The codes and their severities are `problemCodes`.
 */
export const catalogue = {
  ...readingEntries,
  ...issueEntries,
  ...outputEntries,
  ...warningEntries,
} satisfies { [C in ProblemCode]: SomeEntry };

type Catalogue = typeof catalogue;

/** The parameters the templates of a code take. */
export type ProblemParams<C extends ProblemCode> = C extends ProblemCode
  ? Catalogue[C] extends CatalogueEntry<infer P>
    ? P
    : never
  : never;

export function catalogueEntry<C extends ProblemCode>(code: C): CatalogueEntry<ProblemParams<C>> {
  return catalogue[code] as unknown as CatalogueEntry<ProblemParams<C>>;
}

/** The codes a schema refinement may raise with its own words (`ctx.addIssue({ params: { problem } })`). */
export type SchemaProblemCode = {
  [C in ProblemCode]: SchemaParams extends ProblemParams<C> ? C : never;
}[ProblemCode];
