import type { ServiceStores } from '../interface.js';
import { GroupCommit } from './group-commit.js';
import { SqliteServiceMailQueue } from './mail-queue.js';
import { openDatabase } from './open.js';
import { SqliteRateLimits } from './rate-limits.js';
import { SqliteSubscriberStore } from './subscribers.js';

/**
 * The service's stores on one connection with one group commit: a sign-up's count, its row and its
 * mail, and the mail sender's lease, arriving together, go to disk in one fsync instead of one
 * per store. Each change still resolves only once it is durable.
 */
export function openServiceStores(path: string): ServiceStores {
  const db = openDatabase(path);
  const shared = { db, committer: new GroupCommit(db) };
  const subscribers = new SqliteSubscriberStore(path, shared);
  const mailQueue = new SqliteServiceMailQueue(path, shared);
  const rateLimits = new SqliteRateLimits(db, { committer: shared.committer });
  return {
    subscribers,
    mailQueue,
    rateLimits,
    async close() {
      shared.committer.flush();
      db.close();
    },
  };
}
