/**
 * Deliveries seen lately, in this process's memory. Enough because each key lives only as long as its
 * signed timestamp stays fresh (after that the timestamp refuses the replay) and because recording an
 * event is idempotent on (source, sourceId, address, verdict): a replay that reaches another server,
 * or this one after a restart, changes nothing either.
 */
export class SeenDeliveries {
  private readonly until = new Map<string, number>();

  constructor(private readonly max = 100_000) {}

  /** True the first time `key` is claimed while fresh; false for a replay. */
  claim(key: string, ttlMs: number, now: number): boolean {
    const expires = this.until.get(key);
    if (expires !== undefined && expires > now) return false;
    this.until.delete(key);
    if (this.until.size >= this.max) this.forgetExpired(now);
    // Only verified deliveries get here, so the oldest is dropped only under a real flood of them.
    if (this.until.size >= this.max) this.until.delete(this.until.keys().next().value!);
    this.until.set(key, now + ttlMs);
    return true;
  }

  /** Forgets a delivery whose events could not be recorded, so the provider's retry is not a replay. */
  release(key: string): void {
    this.until.delete(key);
  }

  private forgetExpired(now: number): void {
    for (const [key, expires] of this.until) if (expires <= now) this.until.delete(key);
  }
}
