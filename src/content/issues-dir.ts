import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

const DATE_FOLDER = /^\d{4}-\d{2}-\d{2}$/;

/** Every issue folder under `bulletins/`, oldest first. */
export async function listIssueDates(root: string): Promise<string[]> {
  try {
    const entries = await readdir(join(root, 'bulletins'), { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory() && DATE_FOLDER.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}
