/**
 * The worker thread behind `off-thread.ts`: the service's SQLite stores (subscribers, mail queue,
 * rate limits), each with its group commit, run here so that a commit's fsync (synchronous=FULL:
 * milliseconds, tens of them on a busy disk) blocks this thread, never the server's event loop.
 * Calls arrive as messages and are answered once the store's promise settles, that is once the
 * change is on disk: the durability is the stores' own, unchanged.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteServiceMailQueue } from './mail-queue.js';
import { GroupCommit } from './group-commit.js';
import { openDatabase } from './open.js';
import { SqliteRateLimits } from './rate-limits.js';
import { SqliteSubscriberStore } from './subscribers.js';
import { type Call, type Reply, serializeError, type ServiceStoreName } from './off-thread-protocol.js';

const port = parentPort!;
const { path } = workerData as { path: string };

type Callable = Record<string, (...args: unknown[]) => Promise<unknown>>;

let stores: Record<ServiceStoreName, { close(): Promise<void> }>;
try {
  // One connection, one group commit: a sign-up's count, its row and its mail, and the mail sender's
  // lease, arriving together, go to disk in one fsync instead of one each.
  const db = openDatabase(path);
  const shared = { db, committer: new GroupCommit(db) };
  stores = {
    subscribers: new SqliteSubscriberStore(path, shared),
    mailQueue: new SqliteServiceMailQueue(path, shared),
    // Closed last (the order of this object): it closes the connection the other two leave open.
    rateLimits: new SqliteRateLimits(db, { ownsConnection: true, committer: shared.committer }),
  };
  port.postMessage({ ready: true } satisfies Reply);
} catch (error) {
  port.postMessage({ ready: false, error: serializeError(error) } satisfies Reply);
  process.exit(1);
}

port.on('message', (call: Call) => {
  if (call.method === 'close') {
    // Every store, even after a failure: what is queued is flushed, every connection closed.
    void Promise.allSettled(Object.values(stores).map((store) => store.close())).then((results) => {
      const failed = results.find((result) => result.status === 'rejected');
      const reply: Reply = failed
        ? { id: call.id, ok: false, error: serializeError(failed.reason) }
        : { id: call.id, ok: true, value: undefined };
      port.postMessage(reply);
      port.close();
    });
    return;
  }
  const store = stores[call.store] as unknown as Callable;
  Promise.resolve()
    .then(() => store[call.method]!(...call.args))
    .then(
      (value) => port.postMessage({ id: call.id, ok: true, value } satisfies Reply),
      (error: unknown) =>
        port.postMessage({ id: call.id, ok: false, error: serializeError(error) } satisfies Reply),
    );
});
