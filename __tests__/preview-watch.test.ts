import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { watchIssue } from '../src/preview/watch.js';

/** The preview's file watching, against the ways editors and tools really save. */
describe('watchIssue', () => {
  let root: string;
  let issueDir: string;
  let templatesDir: string;
  let calls: boolean[];
  let waiting: ((templates: boolean) => void) | undefined;
  let stop: () => Promise<void>;

  /** The next call of the watcher's callback: whether it was a template. */
  const nextChange = (act: () => void) =>
    new Promise<boolean>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no change seen; calls so far: ${JSON.stringify(calls)}`)),
        5000,
      );
      waiting = (templates) => {
        clearTimeout(timer);
        resolve(templates);
      };
      act();
    });

  /** Write beside, then rename over: how vim, VS Code and most editors save. */
  const atomicSave = (file: string, text: string) => {
    writeFileSync(`${file}.saving`, text);
    renameSync(`${file}.saving`, file);
  };

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'bulletin-watch-'));
    issueDir = join(root, 'bulletins', '2018-05-25');
    templatesDir = join(root, 'templates');
    mkdirSync(issueDir, { recursive: true });
    mkdirSync(join(templatesDir, 'email', 'partials'), { recursive: true });
    writeFileSync(join(issueDir, 'issue.md'), 'one');
    writeFileSync(join(templatesDir, 'email', 'partials', 'footer.hbs'), 'one');
    writeFileSync(join(root, 'bulletin.config.yaml'), 'one');
    calls = [];
    stop = await watchIssue({ root, issueDir, templatesDir }, (templates) => {
      calls.push(templates);
      waiting?.(templates);
    });
    // A loaded machine can deliver the set-up writes' events after the watcher is ready: let them
    // land before a test acts, so each test sees only the change it makes.
    await new Promise((resolve) => setTimeout(resolve, 300));
    calls = [];
  });

  afterEach(async () => {
    await stop();
    rmSync(root, { recursive: true, force: true });
  });

  test('a template saved by rename, again and again, is seen each time and said to be a template', async () => {
    const footer = join(templatesDir, 'email', 'partials', 'footer.hbs');
    for (const text of ['two', 'three', 'four'])
      await expect(nextChange(() => atomicSave(footer, text))).resolves.toBe(true);
    await expect(nextChange(() => writeFileSync(footer, 'in place'))).resolves.toBe(true);
  });

  test('items written in place or by rename, a new item, and the config are seen; not templates', async () => {
    await expect(nextChange(() => writeFileSync(join(issueDir, 'issue.md'), 'two'))).resolves.toBe(false);
    await expect(nextChange(() => atomicSave(join(issueDir, 'issue.md'), 'three'))).resolves.toBe(false);
    await expect(nextChange(() => writeFileSync(join(issueDir, '01-new.md'), 'new'))).resolves.toBe(false);
    await expect(nextChange(() => writeFileSync(join(root, 'bulletin.config.yaml'), 'two'))).resolves.toBe(
      false,
    );
  });

  // A git checkout can delete and restore the issue's folder, or the whole bulletins/ folder.
  test.each([
    ['the issue folder', () => issueDir],
    ['the bulletins folder', () => join(root, 'bulletins')],
  ])('%s deleted and restored: the issue is still watched', async (_name, folder) => {
    await nextChange(() => rmSync(folder(), { recursive: true, force: true }));
    await nextChange(() => {
      mkdirSync(issueDir, { recursive: true });
      writeFileSync(join(issueDir, 'issue.md'), 'back');
    });
    // As a person would: the edits come well after the restore, past any recheck of the last paths.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await expect(nextChange(() => writeFileSync(join(issueDir, 'issue.md'), 'edited'))).resolves.toBe(false);
    await expect(nextChange(() => atomicSave(join(issueDir, 'issue.md'), 'saved'))).resolves.toBe(false);
  });

  test('the templates folder deleted and restored: its templates are still watched, and said to be', async () => {
    const footer = join(templatesDir, 'email', 'partials', 'footer.hbs');
    await expect(nextChange(() => rmSync(templatesDir, { recursive: true, force: true }))).resolves.toBe(
      true,
    );
    await nextChange(() => {
      mkdirSync(dirname(footer), { recursive: true });
      writeFileSync(footer, 'back');
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await expect(nextChange(() => writeFileSync(footer, 'edited'))).resolves.toBe(true);
    await expect(nextChange(() => atomicSave(footer, 'saved'))).resolves.toBe(true);
  });

  test('another issue beside it and files at the root other than the config are not watched', async () => {
    const other = join(root, 'bulletins', '2018-06-01');
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, 'issue.md'), 'another week');
    writeFileSync(join(root, 'notes.txt'), 'not the config');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(calls).toEqual([]);
    await expect(nextChange(() => writeFileSync(join(issueDir, 'issue.md'), 'two'))).resolves.toBe(false);
  });

  // `--root ./link`, or a bulletins/ folder kept elsewhere: chokidar follows no links, so the real folders are watched.
  test.each([
    [
      'the site root is reached through a link',
      (site: string) => ({
        root: `${site}-link`,
        bulletins: join(site, 'bulletins'),
        link: [site, `${site}-link`],
      }),
    ],
    [
      'bulletins/ is a link to a folder elsewhere',
      (site: string) => ({
        root: site,
        bulletins: `${site}-bulletins`,
        link: [`${site}-bulletins`, join(site, 'bulletins')],
      }),
    ],
  ])('%s: the issue and the config are watched', async (_name, layout) => {
    const site = mkdtempSync(join(tmpdir(), 'bulletin-watch-linked-'));
    const { root: linkedRoot, bulletins, link } = layout(site);
    mkdirSync(join(bulletins, '2018-05-25'), { recursive: true });
    writeFileSync(join(bulletins, '2018-05-25', 'issue.md'), 'one');
    writeFileSync(join(site, 'bulletin.config.yaml'), 'one');
    symlinkSync(link[0]!, link[1]!);
    const seen: boolean[] = [];
    let next: (() => void) | undefined;
    const stopLinked = await watchIssue(
      { root: linkedRoot, issueDir: join(linkedRoot, 'bulletins', '2018-05-25') },
      (t) => {
        seen.push(t);
        next?.();
      },
    );
    const change = (act: () => void) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no change seen; calls so far: ${JSON.stringify(seen)}`)),
          5000,
        );
        next = () => {
          clearTimeout(timer);
          resolve();
        };
        act();
      });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await change(() => writeFileSync(join(linkedRoot, 'bulletins', '2018-05-25', 'issue.md'), 'two'));
      await change(() => atomicSave(join(linkedRoot, 'bulletin.config.yaml'), 'two'));
    } finally {
      await stopLinked();
      for (const path of [site, `${site}-link`, `${site}-bulletins`])
        rmSync(path, { recursive: true, force: true });
    }
  });

  test('one save is one call, and editor swap files are not edits', async () => {
    await nextChange(() => {
      writeFileSync(join(issueDir, 'issue.md'), 'a');
      writeFileSync(join(issueDir, 'issue.md'), 'ab');
    });
    writeFileSync(join(issueDir, '.issue.md.swp'), 'swap');
    writeFileSync(join(issueDir, 'issue.md~'), 'backup');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(calls).toEqual([false]);
  });
});
