import type { ProblemCode } from './codes.js';
import type { CatalogueEntry, SomeEntry } from './catalogue/entry.js';
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

/** Parameters less the key's name, which the place of the issue gives (content/validate.ts adds it). */
type Unnamed<P> = P extends { name: string } ? Omit<P, 'name'> : never;

/**
 * What a refinement of a schema raises (`ctx.addIssue({ code: 'custom', params: rule })`): a code and
 * the parameters of one of its cases, never words of its own; any code whose parameters name a key.
 */
export type SchemaRule = {
  [C in ProblemCode]: [Unnamed<ProblemParams<C>>] extends [never]
    ? never
    : { problem: C; params: Unnamed<ProblemParams<C>> };
}[ProblemCode];
