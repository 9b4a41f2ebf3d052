import { closest, distance } from 'fastest-levenshtein';

/**
 * "Did you mean ...?" for a misspelt key or id: the closest candidate, if it is close enough to be a typo.
 */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const lower = input.toLowerCase();
  const exactCase = candidates.find((c) => c.toLowerCase() === lower);
  if (exactCase) return exactCase;
  const best = closest(
    lower,
    candidates.map((c) => c.toLowerCase()),
  );
  const match = candidates.find((c) => c.toLowerCase() === best);
  if (!match) return undefined;
  const allowed = Math.max(2, Math.floor(match.length / 3));
  return distance(lower, best) <= allowed ? match : undefined;
}

export function suggestion(input: string, candidates: readonly string[]): string {
  const guess = didYouMean(input, candidates);
  return guess ? ` Did you mean "${guess}"?` : '';
}
