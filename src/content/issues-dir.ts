import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SetupError } from '../diagnostics/setup-error.js';
import { causeOf, isErrno } from '../support/errors.js';

const DATE_FOLDER = /^\d{4}-\d{2}-\d{2}$/;

/** Every issue folder under `bulletins/`, oldest first. */
export async function listIssueDates(root: string): Promise<string[]> {
  try {
    const entries = await readdir(join(root, 'bulletins'), { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory() && DATE_FOLDER.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch (error) {
    // No bulletins/ yet is a site with no issues; one that cannot be read is not an empty one.
    if (isErrno(error, 'ENOENT')) return [];
    throw new SetupError(
      `Cannot read the issues folder ${join(root, 'bulletins')} (${causeOf(error)}); it must be a folder you may read.`,
      { cause: error },
    );
  }
}
