import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { bulletin, repoRoot } from './helpers/cli.js';
import { tempSite } from './helpers/site.js';

let site: ReturnType<typeof tempSite>;
beforeEach(() => (site = tempSite()));
afterEach(() => site.remove());

/** A setup failure is one line on stderr naming the file, and no stack trace. */
function expectOneLine(result: { status: number; stderr: string }, ...mentions: string[]) {
  expect(result.status).toBe(1);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  for (const mention of mentions) expect(result.stderr).toContain(mention);
}

describe('opening the subscriber database', () => {
  const list = (database: string) =>
    bulletin(['subscribers', 'list'], site.root, { BULLETIN_DATABASE: database });

  test('a folder where the database should be is named, with what to do', () => {
    mkdirSync(join(site.root, 'db-folder'));
    expectOneLine(list('db-folder'), join(site.root, 'db-folder'), 'folder');
  });

  test('a text file is "not a SQLite database", named', () => {
    writeFileSync(join(site.root, 'notes.db'), 'these are my notes, not a database\n'.repeat(200));
    expectOneLine(list('notes.db'), join(site.root, 'notes.db'), 'not a SQLite database');
  });

  test('a database from a newer Bulletin says to upgrade, naming the file', () => {
    const db = new Database(join(site.root, 'newer.db'));
    db.pragma('user_version = 999');
    db.close();
    expectOneLine(list('newer.db'), join(site.root, 'newer.db'), 'schema version 999', 'upgrade Bulletin');
  });

  test('a PostgreSQL address that cannot be used is one line naming it, without echoing its password', () => {
    const result = list('postgres://bulletin:hunter2@127.0.0.1/bulletin');
    expectOneLine(result, 'postgres://bulletin:***@127.0.0.1/bulletin');
    expect(result.stderr).not.toContain('hunter2');
  });

  test('a database under a file (not a folder) is named', () => {
    writeFileSync(join(site.root, 'plain'), 'x');
    expectOneLine(list('plain/sub.db'), join(site.root, 'plain', 'sub.db'));
  });
});

describe('folders that exist but cannot be read are not "missing"', () => {
  test('bulletins/ being a file is an error naming it, not an empty site', () => {
    writeFileSync(join(site.root, 'bulletins'), 'not a folder');
    const result = bulletin(['build', '--all'], site.root);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('bulletins');
    expect(result.stderr).toContain('ENOTDIR');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  test('an issue folder that cannot be read says why, not "there is no issue folder"', () => {
    mkdirSync(join(site.root, 'bulletins'));
    // A link to itself: readdir fails with ELOOP, a real failure that root cannot bypass.
    symlinkSync('2026-05-01', join(site.root, 'bulletins', '2026-05-01'));
    const result = bulletin(['check', '2026-05-01'], site.root);
    const output = result.stdout + result.stderr;
    expect(result.status).toBe(1);
    expect(output).not.toContain('There is no issue folder');
    expect(output).toContain('ELOOP');
    expect(output).toContain(join('bulletins', '2026-05-01'));
  });

  // From 1 issue, the build runs in a thread of its own (stages-thread.ts), and its issues' emails
  // are made while worker threads prepare others: the failure crosses both.
  test.each([
    ['on the main thread', {}],
    ['in the build thread', { BULLETIN_PARALLEL_FROM: '1' }],
  ])('an email output folder that cannot be made is named, not a leftover temporary file (%s)', (_, env) => {
    const front = 'title: Weekly bulletin\ndate: 2026-05-01\nsummary: One lead article.';
    site.write('2026-05-01', 'issue.md', `---\n${front}\n---\nHello.\n`);
    mkdirSync(join(site.root, 'dist'));
    writeFileSync(join(site.root, 'dist', 'email'), 'a file where the folder should be');
    const result = bulletin(['build', '--all'], site.root, env);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `Cannot write the email to ${join('dist', 'email', '2026-05-01')} (ENOTDIR); check that the output folder`,
    );
    expect(result.stderr).not.toContain('.tmp');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  test('a missing issue folder is still reported as missing', () => {
    mkdirSync(join(site.root, 'bulletins'));
    const result = bulletin(['check', '2026-05-01'], site.root);
    expect(result.status).toBe(1);
    expect(result.stdout + result.stderr).toContain('There is no issue folder');
  });

  test('an email partial that cannot be read is an error naming it, not silently missing', () => {
    const front = 'title: Weekly bulletin\ndate: 2026-05-01\nsummary: One lead article.';
    site.write('2026-05-01', 'issue.md', `---\n${front}\n---\nHello.\n`);
    const templates = join(site.root, 'templates', 'email');
    mkdirSync(templates, { recursive: true });
    for (const name of readdirSync(join(repoRoot, 'templates', 'email'))) {
      const from = join(repoRoot, 'templates', 'email', name);
      if (statSync(from).isFile()) writeFileSync(join(templates, name), readFileSync(from));
    }
    // partials/ is a file: the set's partials cannot be read at all.
    writeFileSync(join(templates, 'partials'), 'not a folder');
    const result = bulletin(['build', '2026-05-01'], site.root);
    const output = result.stdout + result.stderr;
    expect(result.status).toBe(1);
    expect(output).toContain(join('email', 'partials'));
    expect(output).toContain('ENOTDIR');
  });
});

/** Every `catch` names what it expects (see src/support/errors.ts): a bare one can hide a real fault. */
test('no bare catch in src/', () => {
  const offenders: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|js)$/.test(entry.name)) {
        readFileSync(path, 'utf8')
          .split('\n')
          .forEach((line, index) => {
            const bare = /\bcatch\s*\{|\.catch\(\s*\(\)\s*=>\s*(\{\s*\}|\[\])/.test(line);
            // Marking a promise handled (awaited later, or going away) is fine when the line says why.
            const unexplained = /\.catch\(\s*\(\)\s*=>\s*undefined\)/.test(line) && !line.includes('//');
            if (bare || unexplained)
              offenders.push(`${relative(repoRoot, path)}:${index + 1}: ${line.trim()}`);
          });
      }
    }
  };
  walk(join(repoRoot, 'src'));
  expect(offenders).toEqual([]);
});
