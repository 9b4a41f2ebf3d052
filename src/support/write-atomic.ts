import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes a set of files so that a reader sees either all the old ones or all the new ones' contents
 * per file, never a truncated file: each goes to a temporary name first and is renamed into place
 * only after every one of them was written.
 */
export async function writeFilesAtomically(
  files: readonly { path: string; content: string | Uint8Array }[],
): Promise<void> {
  const temporary = files.map((f) => `${f.path}.${process.pid}.tmp`);
  try {
    for (const [i, file] of files.entries()) {
      await mkdir(dirname(file.path), { recursive: true });
      await writeFile(temporary[i]!, file.content);
    }
    for (const [i, file] of files.entries()) await rename(temporary[i]!, file.path);
  } catch (error) {
    await Promise.all(temporary.map((t) => rm(t, { force: true })));
    throw error;
  }
}
