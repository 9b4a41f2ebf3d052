/**
 * A `catch` names the failure it expects and lets every other one through: a bare catch turns a
 * permission problem or a bug into "missing" or "empty", and the real cause is never seen.
 */

/** Whether `error` is a system error (from `fs`, `net`, ...) with one of these codes, e.g. ENOENT. */
export function isErrno(error: unknown, ...codes: readonly string[]): error is NodeJS.ErrnoException {
  // Not `instanceof Error`: errors from Node's core come from another realm under a test runner's VM.
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && codes.includes(code);
}

/** A file or folder that is not there (or a path through something that is not a folder). */
export const MISSING = ['ENOENT', 'ENOTDIR'] as const;

/** Why a file could not be written where the failure is the place's, not a bug: full, read-only, not ours. */
export const UNWRITABLE = [
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOSPC',
  'EDQUOT',
  'ENOTDIR',
  'EISDIR',
  'EEXIST',
] as const;

/** An error from the operating system (a call that failed, with its code), as opposed to a bug. */
export function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  if (typeof error !== 'object' || error === null) return false;
  const { code, syscall } = error as { code?: unknown; syscall?: unknown };
  return typeof code === 'string' && typeof syscall === 'string';
}

/** The short cause for a one-line message: the code of a system error, else its message. */
export function causeOf(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const { code, message } = error as { code?: unknown; message?: unknown };
  return typeof code === 'string' ? code : String(message ?? error);
}

/** `URL` when `text` is an absolute address (or one relative to `base`), else undefined. */
export function parseUrl(text: string, base?: string): URL | undefined {
  return URL.canParse(text, base) ? new URL(text, base) : undefined;
}

/** `decode(text)`, or `text` as written when it holds a malformed escape such as `%E0%A4%A`. */
export function decodedOrAsWritten(text: string, decode: (text: string) => string): string {
  try {
    return decode(text);
  } catch (error) {
    if (error instanceof URIError) return text;
    throw error;
  }
}

/** What `promise` gives, or `fallback` when it failed because the file or folder is not there. */
export async function unlessMissing<T>(promise: Promise<T>, fallback: T): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return fallback;
    throw error;
  }
}

/**
 * Marks a promise as handled for now: its rejection is seen where it is awaited later, and until
 * then Node must not call it unhandled (which would end the process).
 */
export function awaitedLater(promise: Promise<unknown>): void {
  promise.catch(() => undefined); // seen by whoever awaits `promise` itself
}
