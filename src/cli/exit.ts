export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Thrown for a mistake in how the command was called (exit code 2), as opposed to in the content. */
export class UsageError extends Error {}
