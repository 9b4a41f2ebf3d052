import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handleIsInside, readFileInside } from '../src/content/inside-folder.js';

/**
 * The rule the preview and the build read issue images by: the file actually opened must be in
 * the issue folder. Judging a name and then reading it by name again can be raced; these pin
 * down that the judgement is of the open file itself.
 */
let root: string;
let folder: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'bulletin-inside-'));
  folder = join(root, 'issue');
  mkdirSync(join(root, 'elsewhere'), { recursive: true });
  mkdirSync(folder);
  writeFileSync(join(root, 'outside.png'), 'SECRET');
  writeFileSync(join(root, 'elsewhere', 'photo.png'), 'SECRET too');
  writeFileSync(join(folder, 'photo.png'), 'inside');
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

test('a file in the folder is read; a link to outside, or through a linked folder, is not', async () => {
  symlinkSync(join(root, 'outside.png'), join(folder, 'leak.png'));
  symlinkSync(join(root, 'elsewhere'), join(folder, 'linked'));
  expect((await readFileInside(join(folder, 'photo.png'), folder))?.toString()).toBe('inside');
  expect(await readFileInside(join(folder, 'leak.png'), folder)).toBeUndefined();
  expect(await readFileInside(join(folder, 'linked', 'photo.png'), folder)).toBeUndefined();
});

test('a handle opened through a link to outside is refused after the name is swapped to a real file', async () => {
  const name = join(folder, 'race.png');
  symlinkSync(join(root, 'outside.png'), name);
  const handle = await open(name, 'r');
  try {
    // The race: the name now points at a real file inside, but the handle holds the outside one.
    writeFileSync(join(folder, '.swap'), 'inside');
    renameSync(join(folder, '.swap'), name);
    expect(await handleIsInside(handle, name, folder)).toBe(false);
  } finally {
    await handle.close();
  }
  const fresh = await open(name, 'r');
  try {
    expect(await handleIsInside(fresh, name, folder)).toBe(true);
  } finally {
    await fresh.close();
  }
});
