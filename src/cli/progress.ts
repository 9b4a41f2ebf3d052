/**
 * The progress line of `bulletin send` on stderr:
 *   [########............]  42%  8,400 of 20,000 · 3 failed · 0 unknown · 51.2/s · ETA 3m 47s
 * Redrawn in place at most four times a second on a terminal; a plain line every ten seconds
 * when stderr is a file or a pipe (a log should not fill with carriage returns).
 */
export interface ProgressCounts {
  toSend: number;
  sent: number;
  failed: number;
  unknown: number;
  skipped: number;
  retries: number;
}

export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Over how long the rate is measured: recent enough to follow a slowdown, long enough to be steady. */
const RATE_WINDOW_MS = 10_000;

export class SendProgress {
  readonly counts: ProgressCounts = { toSend: 0, sent: 0, failed: 0, unknown: 0, skipped: 0, retries: 0 };
  private readonly samples: { at: number; done: number }[] = [];
  private lastDrawn = 0;
  private waitingUntil: Date | undefined;
  private drawn = false;

  constructor(
    private readonly out: ProgressOutput,
    private readonly now: () => number = Date.now,
  ) {}

  start(toSend: number): void {
    this.counts.toSend = toSend;
    this.samples.push({ at: this.now(), done: 0 });
    this.draw(true);
  }

  record(
    state: 'sent' | 'failed' | 'unknown' | 'skipped' | 'retry' | 'pending' | 'claimed' | 'sending',
  ): void {
    if (state === 'retry') this.counts.retries++;
    else if (state === 'sent' || state === 'failed' || state === 'unknown' || state === 'skipped')
      this.counts[state]++;
    this.waitingUntil = undefined;
    this.draw(false);
  }

  waiting(until: Date): void {
    this.waitingUntil = until;
    this.draw(true);
  }

  /** The final state, on a line of its own (on a terminal, over the progress line). */
  finish(): void {
    if (!this.drawn) return;
    this.out.write(this.out.isTTY ? `\r\x1b[K${this.line()}\n` : `${this.line()}\n`);
  }

  get done(): number {
    const c = this.counts;
    return c.sent + c.failed + c.unknown + c.skipped;
  }

  /** Messages a second over the last ten seconds. */
  rate(): number {
    const now = this.now();
    const oldest = this.samples.find((s) => s.at >= now - RATE_WINDOW_MS) ?? this.samples[0];
    if (!oldest || now - oldest.at < 500) return 0;
    return ((this.done - oldest.done) * 1000) / (now - oldest.at);
  }

  line(): string {
    const c = this.counts;
    const fraction = c.toSend ? Math.min(1, this.done / c.toSend) : 1;
    const width = 20;
    const bar = `[${'#'.repeat(Math.round(fraction * width)).padEnd(width, '.')}]`;
    const rate = this.rate();
    const left = Math.max(0, c.toSend - this.done);
    const parts = [
      `${bar} ${`${Math.floor(fraction * 100)}%`.padStart(4)}  ${number(this.done)} of ${number(c.toSend)}`,
      `${number(c.failed)} failed`,
      `${number(c.unknown)} unknown`,
    ];
    if (c.skipped) parts.push(`${number(c.skipped)} skipped`);
    if (c.retries) parts.push(`${number(c.retries)} retries`);
    parts.push(rate ? `${rate.toFixed(1)}/s` : '-/s');
    if (this.waitingUntil)
      parts.push(`holding for the window cap until ${this.waitingUntil.toISOString().slice(11, 16)} UTC`);
    else if (left === 0) parts.push('done');
    else parts.push(rate ? `ETA ${duration((left / rate) * 1000)}` : 'ETA -');
    return parts.join(' · ');
  }

  private draw(force: boolean): void {
    const now = this.now();
    const last = this.samples[this.samples.length - 1];
    if (!last || now - last.at >= 1000) {
      this.samples.push({ at: now, done: this.done });
      while (this.samples.length > 2 && this.samples[1]!.at < now - RATE_WINDOW_MS) this.samples.shift();
    }
    const every = this.out.isTTY ? 250 : 10_000;
    if (!force && now - this.lastDrawn < every) return;
    this.lastDrawn = now;
    this.drawn = true;
    this.out.write(this.out.isTTY ? `\r\x1b[K${this.line()}` : `${this.line()}\n`);
  }
}

function number(n: number): string {
  return n.toLocaleString('en-GB');
}

/** 3h 05m, 3m 47s, 12s. */
export function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}
