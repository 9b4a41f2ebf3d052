import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { makePrivateDir, PRIVATE_FILE } from '../support/private-files.js';
import { isSuccess, outcomeSchema, type Outcome } from './link-fetch.js';
import { isErrno, MISSING, UNWRITABLE } from '../support/errors.js';

export type CacheEntry = { outcome: Outcome; checkedAt: number };
export type Cache = Map<string, CacheEntry>;
export interface Freshness {
  ttlMs: number;
  failureTtlMs: number;
}

const cacheSchema = z.object({
  version: z.literal(1),
  entries: z.record(z.string(), z.object({ outcome: outcomeSchema, checkedAt: z.number() })),
});

/**
 * An answer stays true for a day. A failure is kept only minutes: long enough that checking again
 * straight away does not wait out every timeout or hit a struggling server again, short enough
 * that a site back up is seen soon. Connection failures (no such host, refused, bad certificate)
 * are not kept at all: they are quick to find again and often about this computer's own network.
 * Nor is a private address: nothing was asked, and the next check must judge the address again.
 */
function freshFor(outcome: Outcome, freshness: Freshness): number {
  if (isSuccess(outcome)) return freshness.ttlMs;
  return outcome.result === 'failed' || outcome.result === 'private' ? 0 : freshness.failureTtlMs;
}

export function isFresh(entry: CacheEntry, now: number, freshness: Freshness): boolean {
  return now - entry.checkedAt < freshFor(entry.outcome, freshness);
}

/**
 * A missing, unreadable or corrupt cache is an empty one: it only ever saves time. Only those
 * failures are: anything else is a fault to see.
 */
export async function readCache(file: string): Promise<Cache> {
  try {
    const parsed = cacheSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return new Map(parsed.success ? Object.entries(parsed.data.entries) : []);
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM') || error instanceof SyntaxError)
      return new Map();
    throw error;
  }
}

/** Saves of one file by this process, one after another, so that no re-read can miss the save before it. */
const saving = new Map<string, Promise<void>>();

/**
 * Adds what one check learned to the file. Another check (the preview, a second terminal) may
 * have saved since this one read the file, so the file is read again just before it is replaced,
 * and for each address the newer outcome kept. Between processes there is no lock: two saves in
 * the same few milliseconds can still lose one's entries, which costs the next check a request.
 */
export function saveCache(
  file: string,
  learned: Cache,
  freshness: Freshness,
  now: () => number,
): Promise<void> {
  const key = resolve(file);
  const saved = (saving.get(key) ?? Promise.resolve()).then(() => writeMerged(file, learned, freshness, now));
  saving.set(key, saved);
  void saved.then(() => {
    if (saving.get(key) === saved) saving.delete(key);
  });
  return saved;
}

/** Written whole to a temporary file and renamed over the old one, so a reader never sees half a file. */
async function writeMerged(
  file: string,
  learned: Cache,
  freshness: Freshness,
  now: () => number,
): Promise<void> {
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    makePrivateDir(dirname(file));
    const merged = newest(await readCache(file), learned);
    const at = now();
    const entries = Object.fromEntries([...merged].filter(([, entry]) => isFresh(entry, at, freshness)));
    await writeFile(temporary, `${JSON.stringify({ version: 1, entries }, null, 1)}\n`, PRIVATE_FILE);
    await rename(temporary, file);
  } catch (error) {
    // An unwritable cache costs the next run time, not correctness.
    if (!isErrno(error, ...UNWRITABLE)) throw error;
    // Nothing to remove when the folder itself was the problem (a file where it should be).
    await rm(temporary, { force: true }).catch((cleanup: unknown) => {
      if (!isErrno(cleanup, ...MISSING)) throw cleanup;
    });
  }
}

/** Per address, the later outcome; a tie goes to `learned`, this check's own. */
function newest(onDisk: Cache, learned: Cache): Cache {
  const merged = new Map(onDisk);
  for (const [url, entry] of learned) {
    if ((merged.get(url)?.checkedAt ?? -Infinity) <= entry.checkedAt) merged.set(url, entry);
  }
  return merged;
}
