import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { applyFileWrite } from '../src/support/file-writes.js';
import { repoRoot } from './helpers/cli.js';

/**
 * A large build writes its files on a thread of their own (src/support/write-thread.ts). The test
 * runner imports the sources, which write in the calling thread, so the thread itself is driven
 * through the compiled code (run `npm run build` first), as a build does.
 */
const compiled = join(repoRoot, 'lib', 'src', 'support', 'write-thread.js');
const threadFile = join(repoRoot, 'lib', 'src', 'support', 'write-worker.js');

type WriteThreadModule = typeof import('../src/support/write-thread.js');
/** The compiled module, its write thread started. */
async function compiledModule(): Promise<WriteThreadModule> {
  const module = (await import(pathToFileURL(compiled).href)) as WriteThreadModule;
  module.startWriteThread();
  return module;
}

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'bulletin-write-thread-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

test('the compiled code has the write thread', () => {
  expect(existsSync(threadFile)).toBe(true);
});

test('writes land in the order asked for: a folder one write makes is there for the next', async () => {
  const { fileWrite } = await compiledModule();
  const page = join(work, 'staging', 'issues', '2026-03-06', 'index.html');
  const writes = [
    fileWrite({ kind: 'file', file: { path: page, content: '<h1>Old</h1>' }, makeFolder: true }),
    fileWrite({ kind: 'file', file: { path: page, content: '<h1>New</h1>' }, makeFolder: false }),
    fileWrite({
      kind: 'atomic',
      files: [
        { path: join(work, 'email', 'email.html'), content: new Uint8Array(Buffer.from('<p>caf\u00e9</p>')) },
        { path: join(work, 'email', 'email.txt'), content: 'caf\u00e9' },
      ],
    }),
  ];
  await Promise.all(writes);
  expect(readFileSync(page, 'utf8')).toBe('<h1>New</h1>');
  expect(readFileSync(join(work, 'email', 'email.html'), 'utf8')).toBe('<p>caf\u00e9</p>');
  expect(readdirSync(join(work, 'email')).sort()).toEqual(['email.html', 'email.txt']);
});

test('an atomic write gives its files the mode asked for and leaves no temporary file', async () => {
  const { fileWrite } = await compiledModule();
  mkdirSync(join(work, 'cache'));
  await fileWrite({
    kind: 'atomic',
    files: [{ path: join(work, 'cache', '2026-03-06.v8'), content: new Uint8Array([1, 2, 3]) }],
    mode: 0o600,
    folderMade: true,
    temporarySuffix: 'mine.tmp',
  });
  expect(statSync(join(work, 'cache', '2026-03-06.v8')).mode & 0o777).toBe(0o600);
  expect(readdirSync(join(work, 'cache'))).toEqual(['2026-03-06.v8']);
});

test('a failed write rejects with the error a call here throws (code, call, path), and leaves no temporary file', async () => {
  const { fileWrite } = await compiledModule();
  // A file where the folder should be: the folder cannot be made.
  writeFileSync(join(work, 'email'), 'in the way');
  const write = {
    kind: 'atomic' as const,
    files: [{ path: join(work, 'email', 'email.html'), content: '<p>Hi</p>' }],
  };
  let here: unknown;
  try {
    applyFileWrite(write);
  } catch (error) {
    here = error;
  }
  const there = await fileWrite(write).catch((error: unknown) => error);
  expect(there).toBeInstanceOf(Error);
  expect(here).toMatchObject({ code: expect.any(String) });
  const { code, syscall, path, message } = here as NodeJS.ErrnoException;
  expect(there).toMatchObject({ code, syscall, path, message });

  // The second file cannot be renamed into place (a folder has its name): no temporary file is left.
  mkdirSync(join(work, 'site', 'feed.xml'), { recursive: true });
  writeFileSync(join(work, 'site', 'index.html'), 'old');
  const twoFiles = fileWrite({
    kind: 'atomic',
    files: [
      { path: join(work, 'site', 'index.html'), content: 'new' },
      { path: join(work, 'site', 'feed.xml'), content: '<feed/>' },
    ],
  });
  await expect(twoFiles).rejects.toMatchObject({ code: expect.stringMatching(/^E(ISDIR|EXIST|NOTEMPTY)$/) });
  expect(readdirSync(join(work, 'site')).sort()).toEqual(['feed.xml', 'index.html']);
});

test('a handed-over write moves its own bytes to the thread, copies a pooled slice, and writes both', async () => {
  const { fileWrite } = await compiledModule();
  const own = new Uint8Array(Buffer.from('<p>caf\u00e9</p>'.repeat(400)));
  const pooled = Buffer.from('caf\u00e9');
  expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.byteLength);
  const written = fileWrite({
    kind: 'atomic',
    files: [
      { path: join(work, 'email', 'email.html'), content: own },
      { path: join(work, 'email', 'email.txt'), content: pooled },
    ],
    handOver: true,
  });
  // Moved: the caller's view of it is empty. The pool is not: the rest of the process uses it.
  expect(own.byteLength).toBe(0);
  expect(pooled.toString()).toBe('caf\u00e9');
  await written;
  expect(readFileSync(join(work, 'email', 'email.html'), 'utf8')).toBe('<p>caf\u00e9</p>'.repeat(400));
  expect(readFileSync(join(work, 'email', 'email.txt'), 'utf8')).toBe('caf\u00e9');
});

test('an only-changed write on the thread leaves files with the same bytes alone and says which it wrote', async () => {
  const { fileWrite } = await compiledModule();
  const same = join(work, 'email', 'email.html');
  const changed = join(work, 'email', 'email.txt');
  mkdirSync(join(work, 'email'));
  writeFileSync(same, 'caf\u00e9');
  writeFileSync(changed, 'old');
  const before = statSync(same).mtimeMs;
  const write = () =>
    fileWrite({
      kind: 'atomic',
      files: [
        { path: same, content: Buffer.from('caf\u00e9') },
        { path: changed, content: 'new' },
        { path: join(work, 'email', 'new.txt'), content: 'x' },
      ],
      onlyChanged: true,
    });
  expect(await write()).toEqual([changed, join(work, 'email', 'new.txt')]);
  expect(statSync(same).mtimeMs).toBe(before);
  expect(readFileSync(changed, 'utf8')).toBe('new');
  expect(await write()).toEqual([]);
  // A folder where the file should be is not the same bytes: the rename then fails, as it should.
  mkdirSync(join(work, 'folder.html'));
  await expect(
    fileWrite({
      kind: 'atomic',
      files: [{ path: join(work, 'folder.html'), content: 'x' }],
      onlyChanged: true,
    }),
  ).rejects.toMatchObject({ code: expect.stringMatching(/^E(ISDIR|EXIST|NOTEMPTY)$/) });
});

test('without a write thread, handed-over bytes are given up too: a caller that read them again would fail everywhere', async () => {
  const { fileWrite } = await import('../src/support/write-thread.js');
  const bytes = new Uint8Array(Buffer.from('<p>caf\u00e9</p>'.repeat(400)));
  await fileWrite({
    kind: 'file',
    file: { path: join(work, 'page.html'), content: bytes },
    makeFolder: false,
    handOver: true,
  });
  expect(bytes.byteLength).toBe(0);
  expect(readFileSync(join(work, 'page.html'), 'utf8')).toBe('<p>caf\u00e9</p>'.repeat(400));
});

test('a write that cannot be posted (its bytes handed over before) rejects, and leaves no process waiting on it', () => {
  const module = JSON.stringify(pathToFileURL(compiled).href);
  const page = JSON.stringify(join(work, 'page.html'));
  writeFileSync(
    join(work, 'twice.mjs'),
    `const { fileWrite, startWriteThread } = await import(${module});
    startWriteThread();
    const bytes = new Uint8Array(8192);
    const write = { kind: 'file', file: { path: ${page}, content: bytes }, makeFolder: false, handOver: true };
    await fileWrite(write);
    const again = await fileWrite(write).then(() => 'written', (error) => error.name);
    console.log(again);`,
  );
  const run = spawnSync(process.execPath, [join(work, 'twice.mjs')], { timeout: 20_000 });
  expect([run.error, run.status, run.stdout.toString().trim()]).toEqual([undefined, 0, 'DataCloneError']);
});

test('writes asked for together are posted together; one that cannot be posted fails alone', async () => {
  const { fileWrite } = await compiledModule();
  const handedOver = new Uint8Array(Buffer.from('x'.repeat(5000)));
  const file = (name: string, content: string | Uint8Array) =>
    fileWrite({ kind: 'file', file: { path: join(work, name), content }, makeFolder: false, handOver: true });
  // All in one turn: the first moves its bytes, the third hands the same (now empty) bytes over again.
  const results = await Promise.allSettled([
    file('a.txt', handedOver),
    file('b.txt', 'b'),
    file('c.txt', handedOver),
    file('d.txt', new Uint8Array(Buffer.from('d'.repeat(5000)))),
  ]);
  expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).name))).toEqual([
    [join(work, 'a.txt')],
    [join(work, 'b.txt')],
    'DataCloneError',
    [join(work, 'd.txt')],
  ]);
  expect(readdirSync(work).sort()).toEqual(['a.txt', 'b.txt', 'd.txt']);
  expect(readFileSync(join(work, 'a.txt'), 'utf8')).toBe('x'.repeat(5000));
  expect(readFileSync(join(work, 'd.txt'), 'utf8')).toBe('d'.repeat(5000));
});

test('bytes are written as they were when the write was asked for, each view with its own window', async () => {
  const { fileWrite } = await compiledModule();
  // Not handed over: the caller may reuse its buffer at once (the write is posted with its turn's others).
  const reused = Buffer.from('a'.repeat(5000));
  const kept = fileWrite({
    kind: 'file',
    file: { path: join(work, 'kept.txt'), content: reused },
    makeFolder: false,
  });
  reused.fill('b');
  await kept;
  expect(readFileSync(join(work, 'kept.txt'), 'utf8')).toBe('a'.repeat(5000));
  // Handed over: a view into memory that another of the write's views moves keeps its own window.
  const whole = new Uint8Array(Buffer.from(`${'x'.repeat(5000)}0123456789`));
  await fileWrite({
    kind: 'atomic',
    files: [
      { path: join(work, 'whole.txt'), content: whole },
      { path: join(work, 'tail.txt'), content: whole.subarray(5000) },
    ],
    handOver: true,
  });
  expect(readFileSync(join(work, 'whole.txt'), 'utf8')).toBe(`${'x'.repeat(5000)}0123456789`);
  expect(readFileSync(join(work, 'tail.txt'), 'utf8')).toBe('0123456789');
});

test('an idle write thread keeps no process alive, whether it wrote or not', () => {
  const module = JSON.stringify(pathToFileURL(compiled).href);
  const done = JSON.stringify(join(work, 'done.txt'));
  const scripts = {
    wrote: `const { fileWrite, startWriteThread } = await import(${module});
      startWriteThread();
      await fileWrite({ kind: 'file', file: { path: ${done}, content: 'done' }, makeFolder: false });`,
    idle: `const { startWriteThread } = await import(${module});
      startWriteThread();`,
  };
  for (const [name, script] of Object.entries(scripts)) {
    writeFileSync(join(work, `${name}.mjs`), script);
    const run = spawnSync(process.execPath, [join(work, `${name}.mjs`)], { timeout: 20_000 });
    expect([name, run.error, run.status]).toEqual([name, undefined, 0]);
  }
  expect(readFileSync(join(work, 'done.txt'), 'utf8')).toBe('done');
});
