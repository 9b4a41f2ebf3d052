import { awaitedLater } from '../support/errors.js';
import type { Delivery, SendLedger } from './ledger.js';

/** A claimed row and the instant its message may be handed over (ms since the epoch). */
export interface Slotted {
  delivery: Delivery;
  at: number;
}

export interface ClaimQueueOptions {
  ledger: SendLedger;
  issue: string;
  list: string;
  workerId: string;
  /** Whose pacing the slots come from: the SMTP account, shared by every worker sending through it. */
  account: string;
  /** Rows claimed at a time: about as many as the worker has messages in flight. */
  batch: number;
  gapMs: number;
  window?: { messages: number; ms: number };
  /** Told of each claimed batch before its rows are handed out (the batched sendable check). */
  onClaimed?: (deliveries: readonly Delivery[]) => Promise<void>;
}

/**
 * One worker's supply of rows: claims a small batch, then reserves a slot for each from the global
 * pacing (`reserveSlots`, shared by every worker of the account), and refills ahead while the batch
 * is sent, so the send loop rarely waits for a claim. Slots are reserved after the claim, for exactly
 * the rows claimed: a grant nobody uses would still count against the window.
 */
export class ClaimQueue {
  private readonly queue: Slotted[] = [];
  private filling: Promise<number> | undefined;
  private held = 0;
  private waiters: (() => void)[] = [];

  constructor(private readonly options: ClaimQueueOptions) {}

  /** The next row to send, with its slot, or undefined when none can be claimed now. */
  async take(): Promise<Slotted | undefined> {
    for (;;) {
      const next = this.queue.shift();
      if (next) {
        this.held++;
        if (this.queue.length < this.options.batch && !this.filling) awaitedLater(this.fill());
        return next;
      }
      const claimed = await this.fill();
      if (claimed === 0 && this.queue.length === 0) return undefined;
    }
  }

  /** A row taken from the queue has its outcome (or was given up): wakes whoever waits for one. */
  settle(): void {
    this.held--;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Rows this worker has taken and not yet settled: work that may still come back as a retry. */
  get inFlight(): number {
    return this.held;
  }

  /** Resolves when a taken row settles, after `ms`, or when the signal aborts, whichever is first. */
  settled(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.waiters = this.waiters.filter((waiter) => waiter !== done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.waiters.push(done);
    });
  }

  /**
   * A fresh slot for a row whose slot passed while this process was held up (a busy disk, a starved
   * CPU): sending on stale slots would let the delay out as a burst above the rate.
   */
  async reslot(): Promise<number> {
    const { ledger, account, gapMs, window } = this.options;
    const [slot] = await ledger.reserveSlots(account, 1, new Date(), gapMs, window);
    return slot!.getTime();
  }

  /** Waits for a claim under way, so that leaving afterwards releases every row this worker took. */
  async quiesce(): Promise<void> {
    if (this.filling) await this.filling;
  }

  private fill(): Promise<number> {
    this.filling ??= this.claimBatch().finally(() => {
      this.filling = undefined;
    });
    return this.filling;
  }

  private async claimBatch(): Promise<number> {
    const { ledger, issue, list, workerId, batch, account, gapMs, window } = this.options;
    const claimed = await ledger.claim(issue, list, workerId, batch, new Date());
    if (claimed.length === 0) return 0;
    await this.options.onClaimed?.(claimed);
    const slots = await ledger.reserveSlots(account, claimed.length, new Date(), gapMs, window);
    for (const [i, delivery] of claimed.entries()) this.queue.push({ delivery, at: slots[i]!.getTime() });
    return claimed.length;
  }
}
