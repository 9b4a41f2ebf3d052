import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { SetupError } from '../../diagnostics/setup-error.js';
import { causeOf, isErrno, UNWRITABLE } from '../../support/errors.js';
import { preparePrivateDatabase } from '../../support/private-files.js';
import { MIGRATIONS } from './migrations.js';

const WHERE = 'BULLETIN_DATABASE (or `database` in bulletin.config.yaml)';

/** SQLite's answers that mean the file, not Bulletin, is at fault (https://sqlite.org/rescode.html). */
const NOT_A_DATABASE = ['SQLITE_NOTADB', 'SQLITE_CORRUPT'];
const CANNOT_OPEN = ['SQLITE_CANTOPEN', 'SQLITE_READONLY', 'SQLITE_PERM', 'SQLITE_FULL', 'SQLITE_IOERR'];

/**
 * A connection with the durability settings every user of the file needs, migrated. A file that is
 * a folder, not SQLite, unwritable or from a newer Bulletin is a SetupError naming it: a message
 * to act on, with the cause kept, rather than a stack trace.
 */
export function openDatabase(path: string): Database.Database {
  if (path === ':memory:') return configure(new Database(path));
  // Before anything touches it: making a folder "owner-only" would chmod someone's folder.
  if (isFolder(path)) {
    throw new SetupError(
      `The database ${path} is a folder; point ${WHERE} at a SQLite file, e.g. .bulletin/bulletin.db.`,
    );
  }
  let db: Database.Database | undefined;
  try {
    preparePrivateDatabase(path);
    db = new Database(path);
    return configure(db);
  } catch (error) {
    db?.close();
    throw setupFailure(path, error);
  }
}

function configure(db: Database.Database): Database.Database {
  // First: another process opening the file at the same moment holds it while it switches to WAL or
  // migrates, and without a timeout that is an immediate SQLITE_BUSY.
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  useWal(db);
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

const BUSY_TIMEOUT_MS = 5000;

/**
 * WAL, which the file keeps once set. Switching to it needs the file to itself, and SQLite can answer
 * SQLITE_BUSY at once, without waiting as the busy timeout says, while another process has it open
 * (two `serve`s starting over a new file, seen in CI): asked again, every 20 ms, for as long as the
 * busy timeout.
 */
function useWal(db: Database.Database): void {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      // A synchronous pause: opening a store is synchronous, and this wait is rare and short.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

/**
 * Brings a database up to the current schema; (every store of the site lives in the one file).
 * Each step runs in a write transaction that reads the version again: two processes opening a new
 * file at once (two `serve`s) would otherwise both see version 0 and both run step 1.
 */
export function migrate(db: Database.Database): void {
  if (schemaVersion(db) === MIGRATIONS.length) return;
  let behind = true;
  while (behind) {
    behind = db
      .transaction(() => {
        const version = schemaVersion(db);
        if (version >= MIGRATIONS.length) return false;
        db.exec(MIGRATIONS[version]!);
        db.pragma(`user_version = ${version + 1}`);
        return true;
      })
      .immediate();
  }
}

/** The schema step a database is at; one from a newer Bulletin is refused. */
function schemaVersion(db: Database.Database): number {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new SetupError(
      `The database ${db.name} is at schema version ${version}, newer than this Bulletin knows (${MIGRATIONS.length}); upgrade Bulletin.`,
    );
  }
  return version;
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return false;
    throw error;
  }
}

/**
 * The failure as a message naming the file and what to do; anything unforeseen (a bug) goes through as it is.
 */
function setupFailure(path: string, error: unknown): unknown {
  if (error instanceof SetupError) return error;
  const code = (error as { code?: unknown }).code;
  const sqlite = typeof code === 'string' ? code : '';
  if (NOT_A_DATABASE.includes(sqlite)) {
    return new SetupError(
      `The database ${path} is not a SQLite database (or is damaged: ${causeOf(error)}); point ${WHERE} at ` +
        'the Bulletin database, or restore it from a backup.',
      { cause: error },
    );
  }
  if (CANNOT_OPEN.some((prefix) => sqlite.startsWith(prefix)) || isErrno(error, ...UNWRITABLE, 'ENOENT')) {
    return new SetupError(
      `Cannot open the database ${path} (${causeOf(error)}: ${(error as Error).message}); check that its folder ` +
        `exists and can be written, or set ${WHERE} to another file.`,
      { cause: error },
    );
  }
  return error;
}

/** Prepares each SQL text once per connection: preparing costs more than running these queries. */
export function statementCache(db: Database.Database): (text: string) => Database.Statement {
  const statements = new Map<string, Database.Statement>();
  return (text) => {
    let statement = statements.get(text);
    if (!statement) {
      statement = db.prepare(text);
      statements.set(text, statement);
    }
    return statement;
  };
}
