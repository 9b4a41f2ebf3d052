import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeChangedFilesAtomically, WritesInFlight } from '../src/support/write-atomic.js';

/**
 * The build writes each email's files while it makes the next email (src/support/write-atomic.ts):
 * the writes must all be done, and a failure must be thrown, before the build reports them.
 */
let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'bulletin-writes-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

test('every write is done once settled, and no more than the limit run at once', async () => {
  const writes = new WritesInFlight(3);
  let running = 0;
  let most = 0;
  const slowWrite = async (name: string) => {
    running++;
    most = Math.max(most, running);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await writeChangedFilesAtomically([{ path: join(work, name, 'file.txt'), content: name }]);
    running--;
  };
  const names = Array.from({ length: 10 }, (_, i) => `issue-${i}`);
  for (const name of names) await writes.add(slowWrite(name));
  await writes.settle();
  expect(running).toBe(0);
  expect(most).toBe(3);
  for (const name of names) expect(readFileSync(join(work, name, 'file.txt'), 'utf8')).toBe(name);
});

test('a failed write is thrown by settle, naming the place, and leaves no temporary file', async () => {
  writeFileSync(join(work, 'email'), 'a file where the folder should be');
  const writes = new WritesInFlight();
  await writes.add(
    writeChangedFilesAtomically([{ path: join(work, 'email', '2026-05-01', 'email.html'), content: 'x' }]),
  );
  await expect(writes.settle()).rejects.toThrow(/ENOTDIR.*mkdir.*email/);
  expect(readdirSync(work)).toEqual(['email']);
});

test('a failure is thrown by an add that waits for it, so the build stops early', async () => {
  const writes = new WritesInFlight(1);
  // At the limit, an add waits for a write to end: this one's failure is then known.
  await expect(writes.add(Promise.reject(new Error('disk full')))).rejects.toThrow('disk full');
  await expect(writes.settle()).rejects.toThrow('disk full');
});

test('only files whose bytes differ are written, whatever their length', async () => {
  const path = join(work, 'email.html');
  expect(await writeChangedFilesAtomically([{ path, content: 'héllo' }])).toEqual([path]);
  expect(await writeChangedFilesAtomically([{ path, content: 'héllo' }])).toEqual([]);
  expect(await writeChangedFilesAtomically([{ path, content: Buffer.from('héllo') }])).toEqual([]);
  // Same length in bytes, other bytes.
  expect(await writeChangedFilesAtomically([{ path, content: 'hèllo' }])).toEqual([path]);
  expect(await writeChangedFilesAtomically([{ path, content: 'hello' }])).toEqual([path]);
  expect(readFileSync(path, 'utf8')).toBe('hello');
});
