/**
 * The service's SQLite stores on a worker thread (`service-worker.ts`). Why: better-sqlite3 is
 * synchronous, so every commit's fsync (synchronous=FULL) stopped the server's event loop; under
 * load those stops (a few ms each, tens on a busy disk) queued every other request behind them, and
 * a sign-up waits for three commits. On the worker the loop keeps parsing, verifying and answering
 * while a commit is on its way to disk. Each call still resolves only once its change is durable.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ServiceMailQueue } from '../../service/mail-queue.js';
import type { RateLimitStore } from '../../service/rate-limits.js';
import type { SubscriberStore } from '../../subscribers/store.js';
import type { ServiceStores } from '../interface.js';
import { type Call, deserializeError, type Reply, type ServiceStoreName } from './off-thread-protocol.js';

type Pending = { resolve(value: unknown): void; reject(error: Error): void };

/**
 * Starts the worker over the database at `path` (already opened and migrated by the caller); its
 * `close` flushes and closes the worker's connections, then ends the worker.
 */
export async function openServiceStoresOffThread(path: string): Promise<ServiceStores> {
  const worker = new Worker(fileURLToPath(new URL('./service-worker.js', import.meta.url)), {
    workerData: { path },
  });
  const pending = new Map<number, Pending>();
  let nextId = 0;
  // Set once the worker cannot answer any more: every call then fails at once, with why.
  let gone: Error | undefined;
  const fail = (error: Error) => {
    gone ??= error;
    for (const call of pending.values()) call.reject(gone);
    pending.clear();
  };
  await new Promise<void>((resolve, reject) => {
    worker.once('message', (reply: Reply) => {
      if ('ready' in reply && reply.ready) resolve();
      else if ('ready' in reply) reject(deserializeError(reply.error));
    });
    worker.once('error', reject);
  });
  worker.on('message', (reply: Reply) => {
    if (!('id' in reply)) return;
    const call = pending.get(reply.id);
    pending.delete(reply.id);
    if (reply.ok) call?.resolve(reply.value);
    else call?.reject(deserializeError(reply.error));
  });
  worker.on('error', (error) =>
    fail(new Error(`the database worker failed: ${error.message}`, { cause: error })),
  );
  worker.on('exit', (code) => fail(new Error(`the database worker stopped (exit code ${code})`)));

  const send = (store: ServiceStoreName, method: string, args: unknown[]): Promise<unknown> => {
    if (gone) return Promise.reject(gone);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, store, method, args } satisfies Call);
    });
  };
  const remote = <T>(store: ServiceStoreName, methods: readonly string[]): T =>
    Object.fromEntries(
      methods.map((method) => [method, (...args: unknown[]) => send(store, method, args)]),
    ) as T;

  const subscribers = remote<SubscriberStore>('subscribers', SUBSCRIBER_METHODS);
  // Iterating cannot cross a thread call by call; the service never iterates (the sender uses its own store).
  for (const method of ['recipients', 'subscribers'] as const)
    subscribers[method] = () => {
      throw new Error(`${method}() is not available on the service's off-thread store`);
    };
  let closing: Promise<void> | undefined;
  return {
    subscribers,
    mailQueue: remote<ServiceMailQueue>('mailQueue', MAIL_QUEUE_METHODS),
    rateLimits: remote<RateLimitStore>('rateLimits', ['hit', 'purge']),
    close() {
      closing ??= (async () => {
        if (!gone) await send('subscribers', 'close', []);
        await worker.terminate();
      })();
      return closing;
    },
  };
}

const SUBSCRIBER_METHODS = [
  'importSubscribers',
  'addSubscriber',
  'setStatus',
  'suppress',
  'isSuppressed',
  'isSendable',
  'sendableAmong',
  'requestSubscription',
  'confirmationsSince',
  'confirmSubscription',
  'purgeUnconfirmed',
  'idOf',
  'emailOf',
  'memberships',
  'counts',
] as const satisfies readonly Exclude<keyof SubscriberStore, 'recipients' | 'subscribers' | 'close'>[];

const MAIL_QUEUE_METHODS = [
  'enqueue',
  'claimNext',
  'renew',
  'markSent',
  'markFailed',
  'purge',
] as const satisfies readonly Exclude<keyof ServiceMailQueue, 'close'>[];
