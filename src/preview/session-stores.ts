import type { ClickStore } from '../analytics/click-store.js';
import type { ApprovalStore } from '../approval/approvals.js';
import type { BounceStore } from '../bounces/store.js';
import type { Config } from '../content/model.js';
import type { ScheduleStore } from '../schedule/schedules.js';

/** What the release status reads, from the site's database. */
export interface ReleaseStores {
  approvals: ApprovalStore;
  schedules: ScheduleStore;
  /** What was heard after a send: bounces, complaints, deliveries. */
  bounces: BounceStore;
  /** Links followed, when analytics.clicks was on for the send. */
  clicks: ClickStore;
  close(): Promise<void>;
}

/** The site's stores if its database exists, else undefined: looking must not create one. */
export type OpenExistingStores = (config: Config) => Promise<ReleaseStores | undefined>;

/** The preview session's one opening of the site database, shared by every read of it. */
export interface SessionStores {
  /** Runs `read` with the stores (undefined while the database does not exist), one read at a time. */
  read<T>(config: Config, read: (stores: ReleaseStores | undefined) => Promise<T>): Promise<T>;
  /** Closes the stores once the reads under way are done; the preview is stopping. */
  close(): Promise<void>;
}

/**
 * Opens the stores on first use once the database exists, and keeps them for the session: the
 * release status asks every few seconds, and on PostgreSQL each opening is a pool with its own
 * connections. Opened again only when the site's database setting changes, or after a read failed
 * (a SQLite file removed and made again is then found anew).
 */
export function sessionStores(openExisting: OpenExistingStores): SessionStores {
  let held: { setting: string | undefined; stores: ReleaseStores } | undefined;
  let closed = false;
  // One read at a time: an opening or a closing never overlaps a read.
  let queue: Promise<unknown> = Promise.resolve();
  const drop = async () => {
    const stores = held?.stores;
    held = undefined;
    await stores?.close();
  };
  const current = async (config: Config): Promise<ReleaseStores | undefined> => {
    if (held && held.setting !== config.database) await drop();
    if (held || closed) return held?.stores;
    const stores = await openExisting(config);
    if (stores) held = { setting: config.database, stores };
    return stores;
  };
  const queued = <T>(step: () => Promise<T>): Promise<T> => {
    const result = queue.then(step);
    queue = result.catch((error: unknown) => error);
    return result;
  };
  return {
    read: (config, read) =>
      queued(async () => {
        const stores = await current(config);
        try {
          return await read(stores);
        } catch (error) {
          // The read's failure is the one to report; a failed close only means there is nothing to keep.
          await drop().catch((closing: Error) => closing);
          throw error;
        }
      }),
    close: () =>
      queued(async () => {
        closed = true;
        await drop();
      }),
  };
}
