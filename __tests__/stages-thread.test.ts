import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SetupError } from '../src/diagnostics/setup-error.js';
import { asError, stagesFailure } from '../src/build/stages-thread.js';

/** An error thrown in the stages' thread, posted back (a structured clone, as postMessage makes). */
const crossed = (error: unknown, setup = false) => asError(structuredClone(stagesFailure(error, setup)));

test('a system error from the build thread keeps what code catching it reads: code, syscall, path, name, stack', () => {
  let thrown: NodeJS.ErrnoException | undefined;
  try {
    mkdirSync(join(tmpdir(), 'no-such-parent-folder', 'child'));
  } catch (error) {
    thrown = error as NodeJS.ErrnoException;
  }
  const error = crossed(thrown) as NodeJS.ErrnoException;
  expect(error).toBeInstanceOf(Error);
  expect(error).toMatchObject({
    message: thrown!.message,
    name: 'Error',
    code: 'ENOENT',
    syscall: 'mkdir',
    path: join(tmpdir(), 'no-such-parent-folder', 'child'),
  });
  expect(error.stack).toBe(thrown!.stack);
});

test('a bug keeps its class name and stack; a SetupError stays one, shown as its message alone', () => {
  const bug = new TypeError("Cannot read properties of undefined (reading 'title')");
  expect(crossed(bug)).toMatchObject({ name: 'TypeError', message: bug.message, stack: bug.stack });
  const setup = crossed(new SetupError('The output folder is not writable'), true);
  expect(setup).toBeInstanceOf(SetupError);
  expect(setup.message).toBe('The output folder is not writable');
});

test('a value thrown that is not an Error crosses as an Error saying it', () => {
  const error = crossed('the build was cancelled');
  expect(error).toBeInstanceOf(Error);
  expect(error.message).toBe('the build was cancelled');
  expect(crossed({ reason: 1 }).message).toBe('[object Object]');
});
