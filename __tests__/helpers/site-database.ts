import { join } from 'node:path';
import { openPostgresStores } from '../../src/store/postgres/index.js';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import type { Stores } from '../../src/store/stores.js';
import { postgresEngine } from './postgres-engine.js';
import { closeBeforeStop, freshDatabase } from './postgres.js';

/** The database a site's commands use under test, and how the test itself reads it. */
export interface SiteDatabase {
  /** What every `bulletin` command of the test is given so that it uses this database. */
  env: Record<string, string>;
  /** Stores on that database, as another process would have them (the test closes them). */
  open(): Promise<Stores>;
}

/** An engine the CLI-level tests run on: SQLite in the site's folder, or a fresh PostgreSQL database. */
export interface SiteEngine {
  name: 'sqlite' | 'postgres';
  database(root: string): Promise<SiteDatabase>;
  /** Why this engine's tests cannot run here (they are skipped, loudly). */
  readonly skip?: string | undefined;
}

const sqlite: SiteEngine = {
  name: 'sqlite',
  async database(root) {
    // The default location: the commands find it with no setting, as a site on SQLite does.
    const path = join(root, '.bulletin', 'bulletin.db');
    return { env: {}, open: async () => openSqliteStores(path) };
  },
};

const postgres: SiteEngine = {
  name: 'postgres',
  async database() {
    const url = await freshDatabase();
    return {
      env: { BULLETIN_DATABASE: url },
      async open() {
        const stores = await openPostgresStores(url);
        // Closed once, by the test or (should it fail first) before the cluster stops.
        const close = stores.close.bind(stores);
        let closing: Promise<void> | undefined;
        stores.close = () => (closing ??= close());
        closeBeforeStop(() => stores.close());
        return stores;
      },
    };
  },
  get skip() {
    return postgresEngine.skip;
  },
};

/** Every engine a site can run on. */
export const SITE_ENGINES: SiteEngine[] = [sqlite, postgres];
