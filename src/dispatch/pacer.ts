/**
 * The pacing arithmetic (a pure calculation; the ledger's `reserveSlots` runs it inside a transaction
 * over the grants of every worker, so the cap holds across processes). How fast a send may go: at most `perSecond` messages a second, evenly spaced, and, when a
 * window is set, at most `window.messages` in any `window.ms` (a provider's hourly or daily
 * cap). The window is sliding, not a fixed bucket that refills on the hour: a fixed bucket lets
 * twice the cap through around its edge, which is what trips provider limits.
 *
 * Hand-written: the limiter libraries on npm offer token buckets or fixed windows, not a sliding
 * window seeded with what earlier runs already sent, which is what a resumed send needs to stay
 * under a daily cap.
 */
export interface PacerOptions {
  /** Messages per second; or `gapMs` between two messages. */
  perSecond?: number;
  gapMs?: number;
  window?: { messages: number; ms: number };
  /** Times (ms since the epoch) of messages already sent inside the window, oldest first. */
  history?: readonly number[];
  /** The earliest the next slot may be (ms since the epoch): where an earlier reservation left off. */
  nextSlot?: number;
  now?: () => number;
}

export class Pacer {
  private readonly gap: number;
  private readonly now: () => number;
  private nextSlot: number;
  /** A ring of the last `window.messages` send times. */
  private readonly times: Float64Array;
  private head = 0;
  private size = 0;

  constructor(private readonly options: PacerOptions) {
    this.gap = options.gapMs ?? 1000 / Math.max(options.perSecond ?? 1, 0.001);
    this.now = options.now ?? Date.now;
    this.nextSlot = options.nextSlot ?? 0;
    this.times = new Float64Array(options.window?.messages ?? 0);
    for (const at of options.history ?? []) this.record(at);
  }

  /**
   * Reserves the next slot and says how long to wait for it (0 when it is due now). Slots are
   * handed out in order, so concurrent workers never share one.
   */
  reserve(): number {
    const now = this.now();
    let at = Math.max(now, this.nextSlot);
    const window = this.options.window;
    if (window && this.size === this.times.length) at = Math.max(at, this.times[this.head]! + window.ms);
    this.record(at);
    this.nextSlot = at + this.gap;
    return at - now;
  }

  /** Where the next reservation would start from (for whoever reserves after this pacer). */
  get next(): number {
    return this.nextSlot;
  }

  private record(at: number): void {
    if (this.times.length === 0) return;
    if (this.size < this.times.length) {
      this.times[(this.head + this.size++) % this.times.length] = at;
    } else {
      this.times[this.head] = at;
      this.head = (this.head + 1) % this.times.length;
    }
  }
}

/** Waits `ms`, or less if the signal aborts; says whether the wait ran its course. */
export function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (completed: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(completed);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
