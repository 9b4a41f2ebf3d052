import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { SetupError } from '../diagnostics/setup-error.js';
import { openDatabase } from './sqlite/open.js';
import { migratePostgres } from './postgres/migrations.js';
import { connectionFailure, openPool, redactUrl, streamRows } from './postgres/pool.js';

/** One side of a copy: a database read or written table by table, through the same few operations. */
export interface CopyEndpoint {
  /** For messages: the file, or the URL without its password. */
  where: string;
  /** The table's columns, or undefined when this database has no such table. */
  columns(table: string): Promise<string[] | undefined>;
  count(table: string): Promise<number>;
  /** How many rows have a value (not NULL) in `column`. */
  valued(table: string, column: string): Promise<number>;
  /** Streams the rows, each an array in the order of `columns`. */
  rows(table: string, columns: readonly string[]): AsyncIterable<unknown[]>;
  begin(): Promise<void>;
  insert(table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<void>;
  /** After the rows and before the commit: new rows get ids after the copied ones. */
  afterInsert(tables: readonly string[]): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(): Promise<void>;
}

/** A `--from` or `--to`: a postgres:// URL, or a SQLite file (a path, or `sqlite:` and a path). */
export function locate(setting: string, root: string): { engine: 'postgres' | 'sqlite'; at: string } {
  if (/^postgres(ql)?:\/\//i.test(setting)) return { engine: 'postgres', at: setting };
  const path = setting.replace(/^sqlite:(\/\/)?/i, '');
  return { engine: 'sqlite', at: isAbsolute(path) ? path : resolve(root, path) };
}

/** Opens (and migrates) one side; a source must exist already: copying from nothing is a typo. */
export async function openEndpoint(
  location: ReturnType<typeof locate>,
  role: '--from' | '--to',
): Promise<CopyEndpoint> {
  if (location.engine === 'postgres') return PostgresEndpoint.open(location.at);
  if (role === '--from' && !existsSync(location.at))
    throw new SetupError(`There is no database at ${location.at}; check the path given to --from.`);
  return new SqliteEndpoint(location.at);
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

class SqliteEndpoint implements CopyEndpoint {
  private readonly db: Database.Database;

  constructor(readonly where: string) {
    this.db = openDatabase(where);
  }

  async columns(table: string): Promise<string[] | undefined> {
    const info = this.db.prepare(`PRAGMA table_info(${quote(table)})`).all() as { name: string }[];
    return info.length > 0 ? info.map((column) => column.name) : undefined;
  }

  async count(table: string): Promise<number> {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM ${quote(table)}`).get() as { n: number }).n;
  }

  async valued(table: string, column: string): Promise<number> {
    const text = `SELECT COUNT(*) AS n FROM ${quote(table)} WHERE ${quote(column)} IS NOT NULL`;
    return (this.db.prepare(text).get() as { n: number }).n;
  }

  async *rows(table: string, columns: readonly string[]): AsyncIterable<unknown[]> {
    // iterate(): one row at a time from SQLite, never the whole table in memory.
    const text = `SELECT ${columns.map(quote).join(', ')} FROM ${quote(table)} ORDER BY rowid`;
    yield* this.db.prepare(text).raw().iterate() as Iterable<unknown[]>;
  }

  async begin(): Promise<void> {
    this.db.exec('BEGIN IMMEDIATE');
  }

  async insert(table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<void> {
    const marks = columns.map(() => '?').join(', ');
    const insert = this.db.prepare(
      `INSERT INTO ${quote(table)} (${columns.map(quote).join(', ')}) VALUES (${marks})`,
    );
    for (const row of rows) insert.run(...row);
  }

  /** SQLite's INTEGER PRIMARY KEY continues after the largest id by itself. */
  async afterInsert(): Promise<void> {}

  async commit(): Promise<void> {
    this.db.exec('COMMIT');
  }

  async rollback(): Promise<void> {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

class PostgresEndpoint implements CopyEndpoint {
  private client: pg.PoolClient | undefined;

  private constructor(
    private readonly pool: pg.Pool,
    readonly where: string,
  ) {}

  static async open(url: string): Promise<PostgresEndpoint> {
    const where = redactUrl(url);
    const pool = await openPool(url, 2);
    try {
      await migratePostgres(pool, where);
    } catch (error) {
      await pool.end();
      throw connectionFailure(url, error);
    }
    return new PostgresEndpoint(pool, where);
  }

  async columns(table: string): Promise<string[] | undefined> {
    const { rows } = await this.pool.query(
      `SELECT column_name AS name FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
      [table],
    );
    return rows.length > 0 ? rows.map((row: { name: string }) => row.name) : undefined;
  }

  async count(table: string): Promise<number> {
    return (await this.pool.query(`SELECT COUNT(*) AS n FROM ${quote(table)}`)).rows[0].n;
  }

  async valued(table: string, column: string): Promise<number> {
    const text = `SELECT COUNT(*) AS n FROM ${quote(table)} WHERE ${quote(column)} IS NOT NULL`;
    return (await this.pool.query(text)).rows[0].n;
  }

  async *rows(table: string, columns: readonly string[]): AsyncIterable<unknown[]> {
    const text = `SELECT ${columns.map(quote).join(', ')} FROM ${quote(table)}`;
    for await (const row of streamRows<Record<string, unknown>>(this.pool, text, []))
      yield columns.map((column) => row[column]);
  }

  async begin(): Promise<void> {
    this.client = await this.pool.connect();
    await this.client.query('BEGIN');
  }

  async insert(table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<void> {
    if (rows.length === 0) return;
    const values = rows.map(
      (_, r) => `(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(', ')})`,
    );
    const text = `INSERT INTO ${quote(table)} (${columns.map(quote).join(', ')}) VALUES ${values.join(', ')}`;
    await this.held().query(text, rows.flat());
  }

  /** Identity columns: the next id after the largest copied one. */
  async afterInsert(tables: readonly string[]): Promise<void> {
    for (const table of tables) {
      const { rows } = await this.held().query('SELECT pg_get_serial_sequence($1, $2) AS sequence', [
        quote(table),
        'id',
      ]);
      if (!rows[0]?.sequence) continue;
      await this.held().query(
        `SELECT setval($1, COALESCE((SELECT MAX(id) FROM ${quote(table)}), 0) + 1, false)`,
        [rows[0].sequence],
      );
    }
  }

  async commit(): Promise<void> {
    await this.held().query('COMMIT');
    this.release();
  }

  async rollback(): Promise<void> {
    if (!this.client) return;
    await this.client.query('ROLLBACK');
    this.release();
  }

  async close(): Promise<void> {
    this.release();
    await this.pool.end();
  }

  private held(): pg.PoolClient {
    if (!this.client) throw new Error('begin() first');
    return this.client;
  }

  private release(): void {
    this.client?.release();
    this.client = undefined;
  }
}
