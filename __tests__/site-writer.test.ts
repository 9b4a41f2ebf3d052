import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SiteWriter, writeSite } from '../src/archive/write-site.js';

/**
 * The archive's files are staged as they are made (src/archive/write-site.ts): nothing reaches the
 * site folder before `finish`, a failure at any point leaves the previous site as it was and no
 * work folder behind, and a file made twice is written as last made. It stamps every file the site
 * holds once it is done (size and modification time, what the build memo remembers), as it stages
 * them, without statting the site afterwards.
 */
let work: string;
let site: string;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'bulletin-site-writer-'));
  site = join(work, 'site');
});

afterEach(() => rmSync(work, { recursive: true, force: true }));

const listing = (dir: string) => (readdirSync(dir, { recursive: true }) as string[]).sort();
const workFolders = () => readdirSync(work).filter((name) => name.startsWith('.site-'));
/** Each file under `dir` with its size and modification time, as the writer's stamps should say. */
const stampsOnDisk = (dir: string) =>
  new Map(
    listing(dir)
      .filter((path) => statSync(join(dir, path)).isFile())
      .map((path) => {
        const { size, mtimeMs } = statSync(join(dir, path));
        return [path, { size, mtimeMs }];
      }),
  );

test('only changed and new files are written, files gone from the site are removed', async () => {
  await writeSite(
    site,
    new Map([
      ['a.html', 'A'],
      ['b/c.html', 'C'],
      ['old/d.html', 'D'],
    ]),
  );
  const unchanged = statSync(join(site, 'a.html')).mtimeMs;
  const writer = await SiteWriter.open(site);
  await writer.add('a.html', 'A');
  await writer.add('b/c.html', 'C2');
  await writer.add('e.html', 'E');
  // Staged, not yet in place.
  expect(readFileSync(join(site, 'b/c.html'), 'utf8')).toBe('C');
  const result = await writer.finish();
  expect(result).toEqual({
    written: ['b/c.html', 'e.html'],
    removed: ['old/d.html'],
    stamps: expect.any(Map),
  });
  // The unchanged file too, and not the removed one.
  expect(result.stamps).toEqual(stampsOnDisk(site));
  expect(listing(site)).toEqual(['a.html', 'b', 'b/c.html', 'e.html']);
  expect(readFileSync(join(site, 'b/c.html'), 'utf8')).toBe('C2');
  expect(statSync(join(site, 'a.html')).mtimeMs).toBe(unchanged);
  expect(workFolders()).toEqual([]);
});

test('a build abandoned after some files were staged leaves the previous site whole', async () => {
  await writeSite(site, new Map([['a.html', 'A']]));
  const writer = await SiteWriter.open(site);
  for (let index = 0; index < 150; index++) await writer.add(`p/${index}.html`, `page ${index}`);
  await writer.add('a.html', 'changed');
  await writer.abandon();
  expect(listing(site)).toEqual(['a.html']);
  expect(readFileSync(join(site, 'a.html'), 'utf8')).toBe('A');
  expect(workFolders()).toEqual([]);
});

test('a failing search index (the fill) leaves the previous site whole', async () => {
  await writeSite(site, new Map([['a.html', 'A']]));
  const writer = await SiteWriter.open(site);
  await writer.add('a.html', 'changed');
  await expect(
    writer.finish(async (folder) => {
      writeFileSync(join(folder, 'half.js'), 'x');
      throw new Error('pagefind stopped');
    }),
  ).rejects.toThrow('pagefind stopped');
  expect(listing(site)).toEqual(['a.html']);
  expect(readFileSync(join(site, 'a.html'), 'utf8')).toBe('A');
  expect(workFolders()).toEqual([]);
});

test('a fill started early runs while files are still added, and finish moves what it made', async () => {
  const writer = await SiteWriter.open(site);
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  writer.startFill(async (folder) => {
    await released;
    writeFileSync(join(folder, 'index.js'), 'search');
  });
  await writer.add('a.html', 'A');
  release();
  await writer.finish();
  expect(listing(site)).toEqual(['a.html', 'index.js']);
  expect(workFolders()).toEqual([]);

  // Again, with an index that changed and a page that did not: each is stamped where it ends up.
  const again = await SiteWriter.open(site);
  again.startFill(async (folder) => writeFileSync(join(folder, 'index.js'), 'search, changed'));
  await again.add('a.html', 'A');
  const result = await again.finish();
  expect(result.written).toEqual(['index.js']);
  expect(result.stamps).toEqual(stampsOnDisk(site));
  // And with neither changed.
  const third = await SiteWriter.open(site);
  await third.add('a.html', 'A');
  const unchanged = await third.finish(async (folder) =>
    writeFileSync(join(folder, 'index.js'), 'search, changed'),
  );
  expect(unchanged.written).toEqual([]);
  expect(unchanged.stamps).toEqual(stampsOnDisk(site));
});

test('abandoning waits for a fill started early and leaves no work folder', async () => {
  await writeSite(site, new Map([['a.html', 'A']]));
  const writer = await SiteWriter.open(site);
  await writer.add('a.html', 'changed');
  writer.startFill(async (folder) => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    writeFileSync(join(folder, 'late.js'), 'written after the abandon began');
  });
  await writer.abandon();
  expect(listing(site)).toEqual(['a.html']);
  expect(readFileSync(join(site, 'a.html'), 'utf8')).toBe('A');
  expect(workFolders()).toEqual([]);
});

test('a file made twice is written as it was last made', async () => {
  const writer = await SiteWriter.open(site);
  await writer.add('assets/logo.png', 'template asset');
  await writer.add('assets/logo.png', 'configured logo');
  expect((await writer.finish()).written).toEqual(['assets/logo.png']);
  expect(readFileSync(join(site, 'assets/logo.png'), 'utf8')).toBe('configured logo');
});

test('a first build moves its staged files and the search index into place whole, and reports every file', async () => {
  const writer = await SiteWriter.open(join(work, 'out', 'site'));
  await writer.add('a.html', 'A');
  await writer.add('issues/2024-01-05/index.html', 'issue');
  writer.startFill(async (folder) => {
    writeFileSync(join(folder, 'index.js'), 'search');
  });
  const result = await writer.finish();
  expect(result).toEqual({
    written: ['a.html', 'index.js', 'issues/2024-01-05/index.html'],
    removed: [],
    stamps: stampsOnDisk(join(work, 'out', 'site')),
  });
  expect(listing(join(work, 'out', 'site'))).toEqual([
    'a.html',
    'index.js',
    'issues',
    'issues/2024-01-05',
    'issues/2024-01-05/index.html',
  ]);
  expect(readdirSync(join(work, 'out')).filter((name) => name.startsWith('.site-'))).toEqual([]);
});

test('a first build whose folder another build made meanwhile, or whose index repeats a path, moves file by file', async () => {
  const writer = await SiteWriter.open(site);
  await writer.add('a.html', 'A');
  writer.startFill(async (folder) => {
    writeFileSync(join(folder, 'index.js'), 'search');
  });
  // The site folder appears after the build began: it is not replaced by a rename.
  rmSync(site, { recursive: true, force: true });
  mkdirSync(join(site, 'kept'), { recursive: true });
  writeFileSync(join(site, 'kept', 'x.html'), 'another build');
  const result = await writer.finish();
  expect(result.written).toEqual(['a.html', 'index.js']);
  expect(result.stamps).toEqual(stampsOnDisk(site));
  expect(readFileSync(join(site, 'a.html'), 'utf8')).toBe('A');
  expect(readFileSync(join(site, 'index.js'), 'utf8')).toBe('search');
  expect(workFolders()).toEqual([]);

  // The index makes a path the staged files hold: moved file by file (which of the two lands is not
  // settled; no site makes such a path twice), with nothing left behind.
  const again = await SiteWriter.open(join(work, 'second'));
  await again.add('a.html', 'staged');
  await again.add('b.html', 'B');
  await again.finish(async (folder) => writeFileSync(join(folder, 'a.html'), 'from the index'));
  expect(['staged', 'from the index']).toContain(readFileSync(join(work, 'second', 'a.html'), 'utf8'));
  expect(listing(join(work, 'second'))).toEqual(['a.html', 'b.html']);
  expect(workFolders()).toEqual([]);
});
