import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SiteFiles } from './model.js';
import { unlessMissing } from '../support/errors.js';

/**
 * Writes the whole site into a staging folder beside the target, then swaps it in with two
 * renames: a failed build leaves the previous site as it was, never half-overwritten.
 */
export async function writeSite(
  target: string,
  files: SiteFiles,
  fill?: (staging: string) => Promise<void>,
): Promise<void> {
  const parent = dirname(target);
  const staging = join(parent, `.site-staging-${process.pid}`);
  const old = join(parent, `.site-old-${process.pid}`);
  // Leftovers of a build that was killed mid-way (one build at a time writes a given dist/).
  for (const entry of await unlessMissing(readdir(parent), [])) {
    if (/^\.site-(staging|old)-\d+$/.test(entry))
      await rm(join(parent, entry), { recursive: true, force: true });
  }
  try {
    const dirs = new Set([...files.keys()].map((path) => dirname(join(staging, path))));
    for (const dir of [...dirs].sort()) await mkdir(dir, { recursive: true });
    // Bounded parallelism: thousands of small files, without exhausting file handles.
    const entries = [...files];
    for (let i = 0; i < entries.length; i += 64) {
      await Promise.all(
        entries.slice(i, i + 64).map(([path, content]) => writeFile(join(staging, path), content)),
      );
    }
    if (fill) await fill(staging);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  let hadOld = false;
  try {
    await rename(target, old);
    hadOld = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  try {
    await rename(staging, target);
  } catch (error) {
    if (hadOld) await rename(old, target);
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  if (hadOld) await rm(old, { recursive: true, force: true });
}
