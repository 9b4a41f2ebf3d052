import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import type { Stores } from '../../src/store/stores.js';
import { postgresConsentLog, postgresEngine, postgresQuery } from './postgres-engine.js';

/** One line of the consent log, as every engine records it. */
export interface ConsentEntry {
  list: string | null;
  status: string;
  source: string;
}

/** A consent-log line with what it rests on (JSON in the database, parsed), null when nothing. */
export interface EvidencedEntry extends ConsentEntry {
  evidence: Record<string, string> | null;
}

const EVIDENCED_LOG = `SELECT c.list_id AS list, c.status, c.source, c.evidence
                         FROM consent_log c JOIN subscribers s ON s.id = c.subscriber_id
                        WHERE s.email = $1 ORDER BY c.id`;

const parsed = (rows: (ConsentEntry & { evidence: string | null })[]): EvidencedEntry[] =>
  rows.map((row) => ({
    ...row,
    evidence: row.evidence ? (JSON.parse(row.evidence) as Record<string, string>) : null,
  }));

/** A database engine the store contract runs against. */
export interface Engine {
  name: 'sqlite' | 'postgres';
  /** Fresh stores on a new, empty, migrated database; closing them removes it. */
  open(): Promise<Stores>;
  /** A second, independent set of stores on the same database, as another process would have. */
  sameDatabase(stores: Stores): Promise<Stores>;
  /** The consent log of one address, oldest first: no consumer reads it, so no store has a method for it. */
  consentLog(stores: Stores, email: string): Promise<ConsentEntry[]>;
  /** The same, with each entry's evidence. */
  evidencedLog(stores: Stores, email: string): Promise<EvidencedEntry[]>;
  /** Why this engine's tests cannot run here (they are skipped, loudly). */
  readonly skip?: string | undefined;
}

const sqlite: Engine = {
  name: 'sqlite',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'bulletin-store-'));
    const stores = openSqliteStores(join(dir, 'bulletin.db'));
    const close = stores.close.bind(stores);
    return Object.assign(stores, {
      async close() {
        try {
          await close();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    });
  },
  async sameDatabase(stores) {
    return openSqliteStores(stores.where);
  },
  async consentLog(stores, email) {
    const db = new Database(stores.where, { readonly: true });
    try {
      return db
        .prepare(
          `SELECT c.list_id AS list, c.status, c.source FROM consent_log c JOIN subscribers s ON s.id = c.subscriber_id
            WHERE s.email = ? ORDER BY c.id`,
        )
        .all(email) as ConsentEntry[];
    } finally {
      db.close();
    }
  },
  async evidencedLog(stores, email) {
    const db = new Database(stores.where, { readonly: true });
    try {
      return parsed(db.prepare(EVIDENCED_LOG.replace('$1', '?')).all(email) as never);
    } finally {
      db.close();
    }
  },
};

const postgres: Engine = {
  name: 'postgres',
  open: postgresEngine.open,
  sameDatabase: postgresEngine.sameDatabase,
  consentLog: postgresConsentLog,
  evidencedLog: async (stores, email) =>
    parsed((await postgresQuery(stores, EVIDENCED_LOG, [email])) as never),
  get skip() {
    return postgresEngine.skip;
  },
};

/** Every engine the contract tests run against. */
export const ENGINES: Engine[] = [sqlite, postgres];
