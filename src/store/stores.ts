import type { ApprovalStore } from '../approval/approvals.js';
import type { SendLedger } from '../dispatch/ledger.js';
import type { ScheduleStore } from '../schedule/schedules.js';
import type { ServiceMailQueue } from '../service/mail-queue.js';
import type { RateLimitStore } from '../service/rate-limits.js';
import type { SubscriberStore } from '../subscribers/store.js';

// P (issue 13): only the interface, as store-spec.md gives it; S's stores.ts (with openStores) replaces this file.
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
  close(): Promise<void>;
}
