import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import { KeyedFileCache } from '../src/build/keyed-cache.js';

/** The store under the render, email and build caches: what it keeps, what it refuses, what it survives. */
interface Entry {
  html: string;
  n: number;
}
const isEntry = (value: unknown): value is Entry =>
  typeof (value as Entry).html === 'string' && typeof (value as Entry).n === 'number';

let work: string;
let dir: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'bulletin-keyed-cache-'));
  dir = join(work, '.bulletin', 'cache', 'kind');
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

// Content beyond Latin-1, long enough to be over V8's ordinary object size as one string.
const entry = { html: `<p>${'partners’ news '.repeat(5_000)}</p>`, n: 7 };

test('an entry is read back under its key only, and only in the shape asked for', () => {
  const cache = new KeyedFileCache(dir, isEntry);
  expect(cache.get('2018-05-11', 'k1')).toBeUndefined();
  cache.set('2018-05-11', 'k1', entry);
  expect(cache.get('2018-05-11', 'k1')).toEqual(entry);
  expect(cache.get('2018-05-11', 'k2')).toBeUndefined();
  expect(readdirSync(dir)).toEqual(['2018-05-11.v8']);

  const file = join(dir, '2018-05-11.v8');
  const cases: [string, Uint8Array | string][] = [
    ['another shape under the right key', serialize({ key: 'k1', html: 1 })],
    ['not an object', serialize('k1')],
    ['cut short', serialize({ key: 'k1', ...entry }).subarray(0, 1000)],
    ['not an entry at all', '{"key":"k1","html":"","n":1}'],
    ['empty', ''],
    // What V8's format can say and JSON could not: 4 billion holes in a few bytes, a Date, a Map.
    ['a sparse array', serialize({ key: 'k1', ...entry, list: sparse() })],
    ['a date', serialize({ key: 'k1', ...entry, at: new Date(0) })],
    ['a map', serialize({ key: 'k1', ...entry, nested: [{ m: new Map([[1, 2]]) }] })],
  ];
  for (const [, bytes] of cases) {
    writeFileSync(file, bytes);
    expect(cache.get('2018-05-11', 'k1')).toBeUndefined();
  }
});

function sparse(): unknown[] {
  const holes: unknown[] = [];
  holes.length = 2 ** 32 - 1;
  return holes;
}

test('an entry that cannot be read (a folder in its place) is a miss; a write that cannot land leaves nothing', async () => {
  const cache = new KeyedFileCache(dir, isEntry);
  cache.set('2018-05-04', 'k1', entry);
  mkdirSync(join(dir, '2018-05-11.v8'));
  expect(cache.get('2018-05-11', 'k1')).toBeUndefined();
  cache.set('2018-05-11', 'k1', entry);
  await cache.store('2018-05-11', 'k1', entry);
  const other = new KeyedFileCache(dir, isEntry);
  await other.store('2018-05-11', 'k1', entry);
  expect(readdirSync(dir).sort()).toEqual(['2018-05-04.v8', '2018-05-11.v8']);
  // After a write failed for the place's sake, the cache writes no more this run.
  cache.set('2018-05-18', 'k1', entry);
  expect(readdirSync(dir)).not.toContain('2018-05-18.v8');
});

test('temporary files a killed run left are removed once over an hour old', () => {
  mkdirSync(dir, { recursive: true });
  const stale = join(dir, '2018-05-04.v8.123-0-0.tmp');
  const fresh = join(dir, '2018-05-04.v8.124-0-0.tmp');
  writeFileSync(stale, 'half');
  writeFileSync(fresh, 'half');
  const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
  utimesSync(stale, twoHoursAgo, twoHoursAgo);
  new KeyedFileCache(dir, isEntry).set('2018-05-11', 'k1', entry);
  expect(readdirSync(dir).sort()).toEqual(['2018-05-04.v8.124-0-0.tmp', '2018-05-11.v8']);
});

test('a stored entry is written while the caller goes on, and leaves no temporary file', async () => {
  const cache = new KeyedFileCache(dir, isEntry);
  const writes = [
    cache.store('2018-05-11', 'k1', entry),
    cache.store('2018-05-11', 'k1', { ...entry, n: 8 }),
    cache.store('2018-05-18', 'k1', entry),
  ];
  await Promise.all(writes);
  expect(readdirSync(dir).sort()).toEqual(['2018-05-11.v8', '2018-05-18.v8']);
  // Either write may land last; each is whole.
  expect([7, 8]).toContain(cache.get('2018-05-11', 'k1')!.n);
  expect(new KeyedFileCache(dir, isEntry).get('2018-05-18', 'k1')).toEqual(entry);
});

test('a folder removed during the run is made again; one that cannot be made only costs the entry', async () => {
  const cache = new KeyedFileCache(dir, isEntry);
  cache.set('2018-05-11', 'k1', entry);
  rmSync(join(work, '.bulletin'), { recursive: true });
  cache.set('2018-05-18', 'k1', entry);
  expect(cache.get('2018-05-18', 'k1')).toEqual(entry);

  rmSync(join(work, '.bulletin'), { recursive: true });
  await cache.store('2018-05-25', 'k1', entry);
  expect(cache.get('2018-05-25', 'k1')).toBeUndefined();
  await cache.store('2018-05-25', 'k1', entry);
  expect(cache.get('2018-05-25', 'k1')).toEqual(entry);

  // A file where the folder should be: nothing is stored, and nothing is thrown.
  const blocked = join(work, 'blocked');
  writeFileSync(blocked, 'not a folder');
  const unwritable = new KeyedFileCache(join(blocked, 'kind'), isEntry);
  expect(() => unwritable.set('2018-05-11', 'k1', entry)).not.toThrow();
  await expect(unwritable.store('2018-05-11', 'k1', entry)).resolves.toBeUndefined();
  expect(unwritable.get('2018-05-11', 'k1')).toBeUndefined();
});

test("entries of the former JSON format are removed at the cache's first write", () => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, '2018-05-04.json'), '{"key":"k1"}');
  writeFileSync(join(dir, 'last.json'), '{"key":"k1"}');
  const cache = new KeyedFileCache(dir, isEntry);
  expect(cache.get('2018-05-04', 'k1')).toBeUndefined();
  expect(readdirSync(dir).sort()).toEqual(['2018-05-04.json', 'last.json']);
  cache.set('2018-05-11', 'k1', entry);
  expect(readdirSync(dir)).toEqual(['2018-05-11.v8']);
});
