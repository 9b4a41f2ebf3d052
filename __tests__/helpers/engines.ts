import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SendLedger } from '../../src/dispatch/ledger.js';
import { SqliteSendLedger } from '../../src/store/sqlite/ledger.js';

/**
 * What a contract test gets of one engine: the stores of a fresh, empty database (for now the send
 * ledger; the full `Stores` once the store layer is merged), and `again()`, a second, independent
 * connection to the same database, as another process would have.
 */
export interface OpenedEngine {
  ledger: SendLedger;
  again(): Promise<{ ledger: SendLedger; close(): Promise<void> }>;
  close(): Promise<void>;
}

export interface Engine {
  name: 'sqlite' | 'postgres';
  open(): Promise<OpenedEngine>;
  /** Why this engine cannot run here (its tests are skipped, loudly). */
  skip?: string;
}

/** SQLite on a temporary file. */
const sqlite: Engine = {
  name: 'sqlite',
  async open() {
    const folder = mkdtempSync(join(tmpdir(), 'bulletin-engine-'));
    const file = join(folder, 'bulletin.db');
    const others: SendLedger[] = [];
    const ledger = new SqliteSendLedger(file);
    return {
      ledger,
      async again() {
        const other = new SqliteSendLedger(file);
        others.push(other);
        const close = () => {
          others.splice(others.indexOf(other), 1);
          return other.close();
        };
        return { ledger: other, close };
      },
      async close() {
        await ledger.close();
        for (const other of [...others]) await other.close();
        rmSync(folder, { recursive: true, force: true });
      },
    };
  },
};

export const ENGINES: Engine[] = [sqlite];
