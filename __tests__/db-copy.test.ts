import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import pg from 'pg';
import { openPostgresStores } from '../src/store/postgres/index.js';
import { openDatabase } from '../src/store/sqlite/open.js';
import { bulletin } from './helpers/cli.js';
import { closeBeforeStop, freshDatabase } from './helpers/postgres.js';
import { postgresEngine } from './helpers/postgres-engine.js';

const maybe = postgresEngine.skip ? describe.skip : describe;
const SUBSCRIBERS = 2345;
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute)).toISOString();

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bulletin-db-copy-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Inserts a row with the columns this schema has (the newer ones only where the file has them). */
function put(db: Database.Database, table: string, row: Record<string, unknown>): boolean {
  const columns = (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
  if (columns.length === 0) return false;
  const names = Object.keys(row).filter((name) => columns.includes(name));
  const text = `INSERT INTO ${table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`;
  db.prepare(text).run(...names.map((name) => row[name]));
  return true;
}

/** A site's database with a row in every table, ids with gaps (so keeping them shows). */
function sqliteSite(path: string): string[] {
  const db = openDatabase(path);
  const filled = new Set<string>();
  const fill = (table: string, row: Record<string, unknown>) => put(db, table, row) && filled.add(table);
  db.transaction(() => {
    for (let i = 1; i <= SUBSCRIBERS; i++) {
      const email = `p${String(i).padStart(5, '0')}@example.org`;
      fill('subscribers', {
        id: 3 * i - 2,
        email,
        name: `P ${i}`,
        attributes: '{"org":"NHS"}',
        created_at: at(0),
      });
      fill('memberships', {
        subscriber_id: 3 * i - 2,
        list_id: 'weekly',
        status: i % 7 ? 'subscribed' : 'unsubscribed',
        status_at: at(1),
        status_source: 'import:members.csv',
      });
      fill('consent_log', {
        id: i,
        subscriber_id: 3 * i - 2,
        list_id: 'weekly',
        status: 'subscribed',
        at: at(1),
        source: 'import',
      });
    }
    // A hard bounce as the bounce handling records it (issue 14): the event, and the consent-log
    // entry with its evidence.
    fill('bounce_events', {
      id: 4,
      source: 'imap',
      source_id: '<dsn-1@mx.example.net>',
      address: 'p00007@example.org',
      verdict: 'hard',
      status: '5.1.1',
      diagnostic: 'smtp; 550 5.1.1 User unknown',
      issue: '2026-01-01',
      list_id: 'weekly',
      at: at(2),
    });
    fill('consent_log', {
      id: SUBSCRIBERS + 5,
      subscriber_id: 19,
      list_id: null,
      status: 'bounced',
      at: at(2),
      source: 'bounce:imap',
      evidence: '{"verdict":"hard","status":"5.1.1","sourceId":"<dsn-1@mx.example.net>"}',
    });
    fill('suppressions', {
      email: 'p00007@example.org',
      reason: 'bounced',
      at: at(2),
      source: 'smtp-bounce',
    });
    fill('confirmations', {
      nonce: 'n1',
      email: 'p00001@example.org',
      name: 'P',
      lists: '["weekly"]',
      created_at: at(3),
    });
    for (const [email, state, notBefore] of [
      ['p00001@example.org', 'sent', null],
      ['p00002@example.org', 'pending', at(9)],
      ['p00003@example.org', 'unknown', null],
    ])
      fill('deliveries', {
        issue: '2026-01-01',
        list_id: 'weekly',
        email,
        name: null,
        state,
        attempts: 1,
        detail: state === 'unknown' ? 'the process stopped' : null,
        not_before: notBefore,
        updated_at: at(4),
        worker: 'host-a:1',
      });
    fill('approvals', { issue: '2026-01-01', hash: 'abc', approver: 'Ann', approved_at: at(5) });
    fill('schedules', {
      issue: '2026-01-08',
      list_id: 'weekly',
      at: at(60),
      state: 'scheduled',
      detail: null,
      updated_at: at(5),
    });
    fill('service_mail', {
      id: 1,
      kind: 'confirmation',
      recipient: 'p00001@example.org',
      message: '{"subject":"Confirm"}',
      attempts: 1,
      next_attempt_at: at(6),
      created_at: at(6),
      lease_token: 'token',
    });
    fill('send_workers', {
      id: 'host-a:1',
      issue: '2026-01-01',
      list_id: 'weekly',
      host: 'host-a',
      pid: 1,
      started_at: at(4),
      heartbeat_at: at(4),
      lease_until: at(5),
      stopped_at: at(5),
    });
    fill('send_pacing', { account: 'smtp', next_at: at(7) });
    fill('send_slots', { account: 'smtp', at: at(7) });
    fill('rate_limits', { key: 'subscribe:203.0.113.9', window_start: at(8), count: 3 });
    fill('click_links', {
      issue: '2026-01-01',
      link_id: '0123456789',
      target: 'https://example.org/a?b=1&c=2',
      item: '01-news.md',
      position: 0,
    });
    fill('clicks', { id: 3, issue: '2026-01-01', link_id: '0123456789', hour: at(8), kind: 'scanner' });
  })();
  db.close();
  return [...filled];
}

function dump(path: string, tables: readonly string[]): Record<string, unknown[]> {
  const db = openDatabase(path);
  try {
    return Object.fromEntries(
      tables.map((table) => [table, db.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all()]),
    );
  } finally {
    db.close();
  }
}

async function pgCount(url: string, table: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query(`SELECT COUNT(*) AS n FROM ${table}`)).rows[0].n);
  } finally {
    await client.end();
  }
}

maybe('bulletin db copy', () => {
  test('SQLite -> PostgreSQL -> SQLite keeps every row of every table, ids included', async () => {
    const original = join(dir, 'original.db');
    const tables = sqliteSite(original);
    // Every table of the SQLite schema this Bulletin has is in the fixture, none left empty.
    expect(tables).toEqual(
      expect.arrayContaining(['subscribers', 'consent_log', 'deliveries', 'service_mail', 'bounce_events']),
    );
    const url = await freshDatabase();

    const there = bulletin(['db', 'copy', '--from', `sqlite:${original}`, '--to', url, '--json']);
    expect(there.stderr).toContain("every table's count verified");
    expect(there.status).toBe(0);
    const report = JSON.parse(there.stdout) as { tables: { table: string; rows: number }[] };
    expect(report.tables).toContainEqual({ table: 'subscribers', rows: SUBSCRIBERS });
    expect(report.tables).toContainEqual({ table: 'memberships', rows: SUBSCRIBERS });
    for (const table of tables)
      expect([table, await pgCount(url, table)]).toEqual([
        table,
        report.tables.find((t) => t.table === table)?.rows,
      ]);

    const back = join(dir, 'back.db');
    const home = bulletin(['db', 'copy', '--from', url, '--to', back]);
    expect(home.stderr).toContain("every table's count verified");
    expect(home.status).toBe(0);
    expect(dump(back, tables)).toEqual(dump(original, tables));

    // The copy on PostgreSQL is a working site: the stores read it, and a new subscriber gets the next id.
    const stores = await openPostgresStores(url);
    closeBeforeStop(() => stores.close());
    expect(await stores.subscribers.isSendable('p00001@example.org', 'weekly')).toBe(true);
    expect(await stores.subscribers.isSuppressed('p00007@example.org')).toBe(true);
    // The bounce's event and evidence came along: the same event again is a duplicate there.
    const again = {
      source: 'imap',
      sourceId: '<dsn-1@mx.example.net>',
      address: 'p00007@example.org',
      verdict: 'hard' as const,
      at: at(2),
    };
    expect(await stores.bounces.record(again, { softLimit: 3, softDays: 30 })).toBe('duplicate');
    expect(await pgCount(url, "consent_log WHERE evidence LIKE '%5.1.1%'")).toBe(1);
    expect(
      await stores.subscribers.addSubscriber('weekly', { email: 'new@example.org' }, 'subscribed', {
        source: 'cli',
      }),
    ).toEqual({ created: true, status: 'subscribed' });
    // Click counts came along, and the next click gets the next id.
    expect(await stores.clicks.counts('2026-01-01')).toEqual([
      expect.objectContaining({ id: '0123456789', readers: 0, scanners: 1 }),
    ]);
    expect(
      await stores.clicks.record({ issue: '2026-01-01', link: '0123456789', hour: at(9), kind: 'reader' }),
    ).toBe(4);
    await stores.mailQueue.enqueue(
      { kind: 'confirmation', recipient: 'x@example.org', message: {} },
      new Date(),
    );
    await stores.close();
  });

  test('refuses a target that holds data, and leaves it as it was', async () => {
    const source = join(dir, 'source.db');
    sqliteSite(source);
    const url = await freshDatabase();
    expect(bulletin(['db', 'copy', '--from', source, '--to', url]).status).toBe(0);
    const again = bulletin(['db', 'copy', '--from', source, '--to', url]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(
      new RegExp(
        `bulletin: The target postgres://bulletin@127\\.0\\.0\\.1:\\d+/\\w+ is not empty \\(${SUBSCRIBERS} in subscribers, `,
      ),
    );
    expect(again.stderr).toContain('only copies into an empty database');
    expect(await pgCount(url, 'subscribers')).toBe(SUBSCRIBERS);

    const intoSqlite = bulletin(['db', 'copy', '--from', url, '--to', source]);
    expect(intoSqlite.status).toBe(1);
    expect(intoSqlite.stderr).toContain(`The target ${source} is not empty`);
    // A source that is not there is a typo, not an empty site: nothing is created on either side.
    const typo = bulletin([
      'db',
      'copy',
      '--from',
      join(dir, 'nope', 'site.db'),
      '--to',
      join(dir, 'nope', 'copy.db'),
    ]);
    expect([typo.status, typo.stderr.trim()]).toEqual([
      1,
      `bulletin: There is no database at ${join(dir, 'nope', 'site.db')}; check the path given to --from.`,
    ]);
    expect(existsSync(join(dir, 'nope'))).toBe(false);
    const same = bulletin(['db', 'copy', '--from', url, '--to', url]);
    expect(same.stderr).toMatch(/--from and --to are the same database \(postgres:\/\/bulletin@/);
    expect(same.status).toBe(1);
    const unreachable = bulletin([
      'db',
      'copy',
      '--from',
      source,
      '--to',
      'postgres://bulletin:pw@127.0.0.1:1/x',
    ]);
    expect(unreachable.status).toBe(1);
    expect(unreachable.stderr).toMatch(
      /Cannot reach the PostgreSQL server of postgres:\/\/bulletin:\*\*\*@127\.0\.0\.1:1\/x/,
    );
  });
});
