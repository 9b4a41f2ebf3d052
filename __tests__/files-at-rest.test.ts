import { chmodSync, cpSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { bulletin, repoRoot } from './helpers/cli.js';
import { startServe } from './helpers/serve.js';
import { tempSite } from './helpers/site.js';

const SEED = '2018-05-11';

/** Every folder and file under `dir`, as `path mode` (octal), relative to `base`. */
function modesUnder(dir: string, base: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    const line = `${relative(base, path)} ${(statSync(path).mode & 0o777).toString(8)}`;
    return entry.isDirectory() ? [line, ...modesUnder(path, base)] : [line];
  });
}

/** What is not owner-only: folders other than 700, files other than 600. */
function tooOpen(root: string): string[] {
  const base = join(root, '.bulletin');
  const self = `. ${(statSync(base).mode & 0o777).toString(8)}`;
  return [self, ...modesUnder(base, base)].filter((line) => {
    const [path, mode] = line.split(' ');
    return statSync(join(base, path!)).isDirectory() ? mode !== '700' : mode !== '600';
  });
}

test('.bulletin/ is 0700 and everything in it 0600: database (with -wal/-shm), outbox, caches, secret', async () => {
  const site = tempSite();
  // A page for the link check to ask, so that it writes its cache.
  const pages = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
  try {
    cpSync(join(repoRoot, 'bulletins', SEED), join(site.root, 'bulletins', SEED), { recursive: true });
    const page = `http://127.0.0.1:${(pages.address() as AddressInfo).port}/report`;
    site.write(
      SEED,
      '09-files.md',
      `---\nkind: news\ntitle: Files at rest\n---\nRead [the files report](${page}).\n`,
    );
    expect(bulletin(['subscribers', 'add', 'ann@example.org', '--list', 'weekly'], site.root).status).toBe(0);
    expect(bulletin(['build', '--all'], site.root).status).toBe(0);
    const checked = bulletin(['check', SEED], site.root, { BULLETIN_OFFLINE: '' });
    expect(checked.stderr).toMatch(/Checked \d+ web address/);
    expect(
      bulletin(['send', SEED, '--list', 'weekly', '--force'], site.root, { BULLETIN_SECRET: '' }).status,
    ).toBe(0);
    expect(
      bulletin(['send', SEED, '--list', 'weekly', '--to', 'editor@example.org'], site.root, {
        BULLETIN_SECRET: '',
      }).status,
    ).toBe(0);

    const server = startServe(site.root, { BULLETIN_SECRET: '' });
    let open: string[];
    try {
      await server.until(/Serving at/);
      // The store is open: SQLite's -wal and -shm exist now, made by SQLite itself.
      open = tooOpen(site.root);
      const names = modesUnder(join(site.root, '.bulletin'), join(site.root, '.bulletin')).map(
        (l) => l.split(' ')[0],
      );
      expect(names).toEqual(
        expect.arrayContaining([
          'bulletin.db',
          'bulletin.db-wal',
          'bulletin.db-shm',
          'secret',
          'cache/links.json',
          `cache/render/${SEED}.v8`,
          `outbox/${SEED}/weekly/ann@example.org.eml`,
        ]),
      );
      expect(names.some((n) => n!.startsWith(`outbox/${SEED}/_tests/`))).toBe(true);
    } finally {
      await server.stop();
    }
    expect(open).toEqual([]);
    expect(tooOpen(site.root)).toEqual([]);
    // Not by a process-wide umask: the archive is for any static host, so stays world-readable.
    expect(statSync(join(site.root, 'dist', 'site', 'index.html')).mode & 0o004).toBe(0o004);
    expect(statSync(join(site.root, 'dist', 'site')).mode & 0o005).toBe(0o005);
  } finally {
    pages.close();
    site.remove();
  }
}, 180_000);

test('a .bulletin/ made by an older version is tightened when a command opens it', () => {
  const site = tempSite();
  try {
    cpSync(join(repoRoot, 'bulletins', SEED), join(site.root, 'bulletins', SEED), { recursive: true });
    expect(bulletin(['subscribers', 'add', 'ann@example.org', '--list', 'weekly'], site.root).status).toBe(0);
    const dir = join(site.root, '.bulletin');
    writeFileSync(join(dir, 'secret'), 'an-old-secret\n', { mode: 0o644 });
    for (const [path, mode] of [
      ['', 0o755],
      ['bulletin.db', 0o644],
      ['secret', 0o644],
    ] as const)
      chmodSync(join(dir, path), mode);

    expect(bulletin(['subscribers', 'list'], site.root).status).toBe(0);
    expect(
      bulletin(['send', SEED, '--list', 'weekly', '--to', 'editor@example.org'], site.root, {
        BULLETIN_SECRET: '',
      }).status,
    ).toBe(0);
    expect(tooOpen(site.root)).toEqual([]);
  } finally {
    site.remove();
  }
}, 60_000);
