import type { ServiceStores } from '../interface.js';
import { type SignUpStore, signUpNow } from '../../service/sign-up.js';
import { SqliteServiceMailQueue } from './mail-queue.js';
import { OffLoopGroupCommit } from './off-loop-commit.js';
import { openDatabase } from './open.js';
import { SqliteRateLimits } from './rate-limits.js';
import { SqliteSubscriberStore } from './subscribers.js';

/**
 * The service's stores on one connection with one group commit: a sign-up's count, its row and its
 * mail, and the mail sender's lease, arriving together, go to disk in one fsync instead of one
 * per store, and that fsync runs off the event loop (off-loop-commit.ts). Each change still
 * resolves only once it is durable.
 */
export function openServiceStores(path: string): ServiceStores & { signUps: SignUpStore } {
  const db = openDatabase(path);
  const committer = new OffLoopGroupCommit(db, `${path}-wal`);
  const shared = { db, committer };
  const subscribers = new SqliteSubscriberStore(path, shared);
  const mailQueue = new SqliteServiceMailQueue(path, shared);
  const rateLimits = new SqliteRateLimits(db, { committer: shared.committer });
  // A sign-up's three steps in ONE change: the request waits for one commit, not three in a row
  // (each an fsync that stops the event loop), and no crash can keep its count without its mail.
  const steps = {
    hit: rateLimits.hitNow.bind(rateLimits),
    request: ({ subscriber, lists, consent, cap }: Parameters<typeof signUpNow>[1]) =>
      subscribers.requestSubscriptionNow(subscriber, lists, consent, cap),
    enqueue: mailQueue.enqueueNow.bind(mailQueue),
  };
  return {
    subscribers,
    mailQueue,
    rateLimits,
    signUps: { signUp: (signUp, now) => shared.committer.run(() => signUpNow(steps, signUp, now)) },
    async close() {
      await committer.settled();
      db.close();
    },
  };
}
