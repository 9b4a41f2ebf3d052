import type { ClickStore } from '../analytics/click-store.js';
import type { ApprovalStore } from '../approval/approvals.js';
import type { BounceStore } from '../bounces/store.js';
import type { SendLedger } from '../dispatch/ledger.js';
import type { ScheduleStore } from '../schedule/schedules.js';
import type { ServiceMailQueue } from '../service/mail-queue.js';
import type { RateLimitStore } from '../service/rate-limits.js';
import type { SignUpStore } from '../service/sign-up.js';
import type { SubscriberStore } from '../subscribers/store.js';

// Its own module so the engines can name it without importing stores.ts, which loads them.
/** Every store of a site, on one engine, as the commands hand them to the domain code. */
export interface Stores {
  engine: 'sqlite' | 'postgres';
  /** For messages: the file path, or the URL without its password. */
  where: string;
  subscribers: SubscriberStore;
  ledger: SendLedger;
  schedules: ScheduleStore;
  approvals: ApprovalStore;
  mailQueue: ServiceMailQueue;
  rateLimits: RateLimitStore;
  bounces: BounceStore;
  clicks: ClickStore;
  close(): Promise<void>;
}

/** What `bulletin serve`'s routes use (stores.ts `serviceStoresFor`); closed before the site's stores. */
export interface ServiceStores {
  subscribers: SubscriberStore;
  mailQueue: ServiceMailQueue;
  rateLimits: RateLimitStore;
  /** A sign-up's count, row and mail in one commit, where the engine can (else three, service/sign-up.ts). */
  signUps?: SignUpStore;
  close(): Promise<void>;
}
