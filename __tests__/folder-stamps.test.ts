/**
 * A build finds an unchanged issue folder's digest from its files' stats (src/build/folder-stamps.ts):
 * the stat-only walk must stamp a folder exactly as the reading walk does, any change to a file must
 * change its stamp (even one that keeps its size and modification time), and a folder that changed
 * since the build began is never remembered, lest a second change in the same clock tick go unseen.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { FolderStamps } from '../src/build/folder-stamps.js';
import { folderStamp, readIssueFolder } from '../src/build/issue-folder.js';
import { bulletin } from './helpers/cli.js';
import { sampleSiteCopy } from './helpers/site.js';

const DATE = '2018-05-11';
/** Long ago, to the second. */
const OLD = new Date('2001-02-03T04:05:06Z');
const stampsFile = (root: string) => join(root, '.bulletin', 'cache', 'build', 'stamps.v8');

/** Past the file system clock's tick (a few milliseconds; the test's files then predate `start`). */
const tick = () => new Promise((resolve) => setTimeout(resolve, 50));

/** The digests the stored stamps hold, by date. */
function storedDigests(root: string): Record<string, string> {
  const { folders } = deserialize(readFileSync(stampsFile(root))) as {
    folders: Record<string, { digest: string }>;
  };
  return Object.fromEntries(Object.entries(folders).map(([date, { digest }]) => [date, digest]));
}

test('the stat-only walk stamps a folder as the reading walk does: files, folders, links of every kind', () => {
  const site = sampleSiteCopy();
  try {
    const issue = join(site.root, 'bulletins', DATE);
    mkdirSync(join(issue, 'images', 'deeper'), { recursive: true });
    writeFileSync(join(issue, 'images', 'deeper', 'photo.jpg'), 'not really a JPEG');
    writeFileSync(join(issue, 'empty.md'), '');
    mkdirSync(join(issue, 'folder.md'));
    symlinkSync(join(issue, 'issue.md'), join(issue, 'linked.md'));
    symlinkSync('/nonexistent/photo.jpg', join(issue, 'nowhere.md'));
    symlinkSync('itself', join(issue, 'itself'));
    symlinkSync('..', join(issue, 'up'));
    const read = readIssueFolder(issue)!;
    expect(folderStamp(issue)).toEqual(read.stamp);
    // The bytes read with the stamp are the file's, whole, for an empty file and a linked one too.
    expect(read.markdown.get('issue.md')).toEqual(readFileSync(join(issue, 'issue.md')));
    expect(read.markdown.get('linked.md')).toEqual(readFileSync(join(issue, 'issue.md')));
    expect(read.markdown.get('empty.md')).toEqual(Buffer.alloc(0));
    expect(read.markdown.has('folder.md') && read.markdown.get('folder.md')).toBeUndefined();
    expect(read.markdown.get('nowhere.md')).toBeUndefined();
    expect(read.stamp.newest).toBeGreaterThanOrEqual(statSync(join(issue, 'empty.md')).ctimeMs);
    // Nothing there: neither walk answers.
    expect(folderStamp(join(site.root, 'bulletins', '1999-01-01'))).toBeUndefined();
  } finally {
    site.remove();
  }
});

test('any change to a file changes the stamp: even the same size and modification time put back', () => {
  const site = sampleSiteCopy();
  try {
    const issue = join(site.root, 'bulletins', DATE);
    const file = join(issue, 'issue.md');
    // A time to the second, which `utimes` puts back exactly (a file's own has nanoseconds).
    utimesSync(file, OLD, OLD);
    let before = folderStamp(issue)!.stamp;
    const changed = (what: string) => {
      const now = folderStamp(issue)!.stamp;
      expect([what, now]).not.toEqual([what, before]);
      before = now;
    };
    const { mtimeMs, size } = statSync(file);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('a', 'b'));
    utimesSync(file, OLD, OLD);
    expect(statSync(file)).toMatchObject({ mtimeMs, size });
    changed('an edit of the same size, its time put back');
    writeFileSync(join(issue, '99-new.md'), 'new');
    changed('a file added');
    renameSync(join(issue, '99-new.md'), join(issue, '98-new.md'));
    changed('a file renamed');
    rmSync(join(issue, '98-new.md'));
    changed('a file removed');
    mkdirSync(join(issue, 'images'));
    changed('a folder added');
    writeFileSync(join(issue, 'images', 'photo.jpg'), 'x');
    changed('a file added deeper down');
  } finally {
    site.remove();
  }
});

test('a folder is remembered by its stamp only if it last changed before the build began', async () => {
  const site = sampleSiteCopy();
  try {
    const settled = join(site.root, 'bulletins', DATE);
    const edited = join(site.root, 'bulletins', '2018-05-18');
    await tick();
    const stamps = FolderStamps.start(site.root);
    // Changed after the start: its stamp may not tell a second change in the same tick.
    writeFileSync(join(edited, 'issue.md'), `${readFileSync(join(edited, 'issue.md'), 'utf8')}\nMore.\n`);
    const settledDigest = stamps.digestOf(DATE, settled);
    const editedDigest = stamps.digestOf('2018-05-18', edited);
    stamps.save();
    expect(storedDigests(site.root)).toEqual({ [DATE]: settledDigest });
    expect(editedDigest).toBe(readIssueFolder(edited)!.digest);

    // The next build takes the settled folder's digest from its stamp, without reading it: a digest
    // stored for that stamp is what it answers.
    const stored = deserialize(readFileSync(stampsFile(site.root))) as {
      key: string;
      folders: Record<string, { digest: string }>;
    };
    stored.folders[DATE]!.digest = 'the digest stored';
    writeFileSync(stampsFile(site.root), serialize(stored));
    await tick();
    const next = FolderStamps.start(site.root);
    expect(next.digestOf(DATE, settled)).toBe('the digest stored');
    // Settled now, the other folder is read once more and remembered.
    expect(next.digestOf('2018-05-18', edited)).toBe(editedDigest);
    next.save();
    expect(storedDigests(site.root)).toEqual({ [DATE]: 'the digest stored', '2018-05-18': editedDigest });
    // Changed after all: read again, whatever is stored.
    writeFileSync(join(settled, 'issue.md'), `${readFileSync(join(settled, 'issue.md'), 'utf8')}\nMore.\n`);
    expect(FolderStamps.start(site.root).digestOf(DATE, settled)).toBe(readIssueFolder(settled)!.digest);
  } finally {
    site.remove();
  }
});

test('a folder on another device than the cache, or with a file on one, is never remembered', async () => {
  if (!existsSync('/dev/shm')) {
    console.warn('SKIPPED: no /dev/shm here, the other device this test puts a folder on');
    return;
  }
  const site = sampleSiteCopy();
  const elsewhere = mkdtempSync(join('/dev/shm', 'bulletin-stamps-'));
  try {
    const cacheDevice = statSync(site.root).dev;
    if (statSync(elsewhere).dev === cacheDevice)
      throw new Error('/dev/shm is on the same device as the test site');
    const away = join(elsewhere, DATE);
    cpSync(join(site.root, 'bulletins', DATE), away, { recursive: true });
    const mixed = join(site.root, 'bulletins', '2018-05-18');
    symlinkSync(join(away, 'issue.md'), join(mixed, 'linked.md'));
    const settled = join(site.root, 'bulletins', '2018-05-25');
    expect(readIssueFolder(away)!.stamp.device).toBe(statSync(elsewhere).dev);
    expect(readIssueFolder(mixed)!.stamp.device).toBeUndefined();
    expect(readIssueFolder(settled)!.stamp.device).toBe(cacheDevice);
    await tick();
    const stamps = FolderStamps.start(site.root);
    for (const [date, dir] of [
      [DATE, away],
      ['2018-05-18', mixed],
      ['2018-05-25', settled],
    ] as const)
      expect(stamps.digestOf(date, dir)).toBe(readIssueFolder(dir)!.digest);
    stamps.save();
    expect(Object.keys(storedDigests(site.root))).toEqual(['2018-05-25']);
    // Saved with every issue listed, a folder no longer there is dropped.
    await tick();
    const next = FolderStamps.start(site.root);
    next.digestOf(DATE, join(site.root, 'bulletins', DATE));
    next.save([DATE]);
    expect(Object.keys(storedDigests(site.root))).toEqual([DATE]);
  } finally {
    site.remove();
    rmSync(elsewhere, { recursive: true, force: true });
  }
});

test('a stamps file that is corrupt, foreign or of other code is ignored; an unwritable cache remembers nothing', async () => {
  const site = sampleSiteCopy();
  try {
    const issue = join(site.root, 'bulletins', DATE);
    const digest = readIssueFolder(issue)!.digest;
    mkdirSync(join(site.root, '.bulletin', 'cache', 'build'), { recursive: true });
    for (const bytes of [
      Buffer.from('not an entry'),
      serialize({
        key: 'other code',
        folders: { [DATE]: { stamp: folderStamp(issue)!.stamp, digest: 'x' } },
      }),
      serialize({ key: 'other code', folders: { [DATE]: 'no stamp' } }),
    ]) {
      writeFileSync(stampsFile(site.root), bytes);
      expect(FolderStamps.start(site.root).digestOf(DATE, issue)).toBe(digest);
    }
    // `.bulletin/cache/build` is a file: no time to compare with, so nothing is remembered.
    rmSync(join(site.root, '.bulletin'), { recursive: true });
    mkdirSync(join(site.root, '.bulletin', 'cache'), { recursive: true });
    writeFileSync(join(site.root, '.bulletin', 'cache', 'build'), 'a file');
    await tick();
    const stamps = FolderStamps.start(site.root);
    expect(stamps.digestOf(DATE, issue)).toBe(digest);
    stamps.save();
    expect(readFileSync(join(site.root, '.bulletin', 'cache', 'build'), 'utf8')).toBe('a file');
  } finally {
    site.remove();
  }
});

test('through the CLI: a rebuild sees an edit that kept the size and time, and one made right after a build', () => {
  const site = sampleSiteCopy();
  try {
    const build = () => {
      const result = bulletin(['build', '--all'], site.root);
      expect(result.status).toBe(0);
      return result;
    };
    const file = join(site.root, 'bulletins', '2018-05-18', '03-stroke-programme.md');
    // A time to the second, which `utimes` puts back exactly (a file's own has nanoseconds).
    utimesSync(file, OLD, OLD);
    build();
    // The copy was made before the build began: every folder is remembered.
    expect(Object.keys(storedDigests(site.root)).sort()).toEqual(
      readdirSync(join(site.root, 'bulletins')).sort(),
    );
    const { mtimeMs, size } = statSync(file);
    const text = readFileSync(file, 'utf8');
    const edited = text.replace(/^title: .*$/m, (line) => `${line.slice(0, -4)}XYZW`);
    expect(edited.length).toBe(text.length);
    writeFileSync(file, edited);
    utimesSync(file, OLD, OLD);
    expect(statSync(file)).toMatchObject({ mtimeMs, size });
    build();
    expect(readFileSync(join(site.root, 'dist/email/2018-05-18/email.html'), 'utf8')).toContain('XYZW');
    // Edited again at once, and built at once: the stamps of the build before cannot hide it.
    writeFileSync(file, edited.replace('XYZW', 'QRST'));
    utimesSync(file, OLD, OLD);
    build();
    expect(readFileSync(join(site.root, 'dist/email/2018-05-18/email.html'), 'utf8')).toContain('QRST');
  } finally {
    site.remove();
  }
}, 120_000);
