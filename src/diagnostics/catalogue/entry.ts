/**
 * One entry of the problem catalogue: the words of a problem live here, beside its code, rather
 * than at the site that finds it (as in fastify's error table), so they read as one document.
 */
export interface CatalogueEntry<P> {
  /** What the problem means, in a sentence or two. */
  means: string;
  /** How to fix it, in general (the hint says how for this case). */
  fix: string;
  /** What is wrong here, in one sentence. */
  message: (params: P) => string;
  /** What to do about it here; undefined only where nothing useful can be said. */
  hint: (params: P) => string | undefined;
  /** The parameters of a typical case: `bulletin explain` and docs/problems.md show its message. */
  example: P;
}

/** Infers an entry's parameters from its templates, so each call site is checked against them. */
export const entry = <P>(definition: CatalogueEntry<P>): CatalogueEntry<P> => definition;

export const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** Any entry, whatever its parameters: what the catalogue as a whole is checked against. */
export interface SomeEntry {
  means: string;
  fix: string;
  message: (params: never) => string;
  hint: (params: never) => string | undefined;
  example: unknown;
}
