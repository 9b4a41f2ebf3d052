import { SqliteSendLedger } from './ledger.js';
import type { Stores } from '../interface.js';
import { SqliteApprovals } from './approvals.js';
import { SqliteBounceStore } from './bounces.js';
import { SqliteClickStore } from './clicks.js';
import { SqliteServiceMailQueue } from './mail-queue.js';
import { SqliteRateLimits } from './rate-limits.js';
import { openDatabase } from './open.js';
import { SqliteSchedules } from './schedules.js';
import { SqliteSubscriberStore } from './subscribers.js';

/**
 * Every store in one SQLite file. Each keeps its own connection (its group commit batches its
 * own changes); the file is opened and migrated first, so a bad setting fails before any is built.
 */
export function openSqliteStores(path: string): Stores {
  openDatabase(path).close();
  const opened: { close(): Promise<void> }[] = [];
  const open = <T extends { close(): Promise<void> }>(store: T): T => {
    opened.push(store);
    return store;
  };
  try {
    return {
      engine: 'sqlite',
      where: path,
      subscribers: open(new SqliteSubscriberStore(path)),
      ledger: open(new SqliteSendLedger(path)),
      schedules: open(new SqliteSchedules(path)),
      approvals: open(new SqliteApprovals(path)),
      mailQueue: open(new SqliteServiceMailQueue(path)),
      rateLimits: open(new SqliteRateLimits(openDatabase(path), { ownsConnection: true })),
      bounces: open(new SqliteBounceStore(path)),
      clicks: open(new SqliteClickStore(path)),
      async close() {
        // Every one, even after a failure, so no connection is left open.
        const results = await Promise.allSettled(opened.map((store) => store.close()));
        const failed = results.find((result) => result.status === 'rejected');
        if (failed) throw failed.reason;
      },
    };
  } catch (error) {
    for (const store of opened) void store.close();
    throw error;
  }
}
