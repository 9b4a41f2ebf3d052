/**
 * A problem with how this machine is set up for a command (a missing key file, a key that is not
 * a key), as opposed to a bug: the message says what is wrong and what to do, so the CLI prints it
 * without a stack trace and exits 1.
 */
export class SetupError extends Error {
  override name = 'SetupError';
}
