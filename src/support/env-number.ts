import { SetupError } from '../diagnostics/setup-error.js';

/**
 * A whole number from an environment variable that tunes a run (a heap limit, a threshold): the
 * fallback when it is unset or blank. Anything else but a whole number from `min` (1 unless said) to
 * `max` stops the run with what to write instead: read as a number, `abc` would be NaN (no limit at
 * all) and a stray `0` a limit every thread runs out of at once.
 */
export function wholeNumberFromEnv<Fallback extends number | undefined>(
  name: string,
  fallback: Fallback,
  { min = 1, max = Number.MAX_SAFE_INTEGER } = {},
): number | Fallback {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  if (/^\d+$/.test(raw) && Number(raw) >= min && Number(raw) <= max) return Number(raw);
  const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
  throw new SetupError(
    `${name} is "${process.env[name]}", not a whole number ${range}: set it to one, or unset it for the default`,
  );
}
