import type { RateLimitStore } from '../../src/service/rate-limits.js';
import type { StoresUnderTest } from './context.js';

const HOUR = 3_600_000;

/** The service's rate limits (RateLimitStore): counted in the database, so they hold across servers. */
export function rateLimitContract({ stores: opened, another }: StoresUnderTest): void {
  let stores: { first: RateLimitStore; second: RateLimitStore };
  beforeEach(async () => {
    stores = { first: opened().rateLimits, second: (await another()).rateLimits };
  });

  test('counts hits per key in the fixed window containing now, and says when that window ends', async () => {
    const { first } = stores;
    const at = new Date('2026-03-02T10:15:00.000Z');
    expect(await first.hit('POST /subscribe|10.0.0.1', HOUR, at)).toEqual({
      count: 1,
      resetAt: new Date('2026-03-02T11:00:00.000Z'),
    });
    const later = new Date('2026-03-02T10:59:59.999Z');
    expect((await first.hit('POST /subscribe|10.0.0.1', HOUR, later)).count).toBe(2);
    // Another key, and the same key in the next window, start again.
    expect((await first.hit('POST /subscribe|10.0.0.2', HOUR, later)).count).toBe(1);
    const next = await first.hit('POST /subscribe|10.0.0.1', HOUR, new Date('2026-03-02T11:00:00.000Z'));
    expect(next).toEqual({ count: 1, resetAt: new Date('2026-03-02T12:00:00.000Z') });
  });

  test('hits arriving at once over two connections are each counted once', async () => {
    const { first, second } = stores;
    const at = new Date('2026-03-02T10:15:00.000Z');
    const counts = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? first : second).hit('bad-link|10.0.0.9', HOUR, at)),
    );
    expect(counts.map((c) => c.count).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    expect((await second.hit('bad-link|10.0.0.9', HOUR, at)).count).toBe(41);
  });

  test('purge deletes the windows that started before the cutoff, and only those', async () => {
    const { first, second } = stores;
    await first.hit('a', HOUR, new Date('2026-03-02T08:30:00.000Z'));
    await first.hit('b', HOUR, new Date('2026-03-02T09:30:00.000Z'));
    await first.hit('a', HOUR, new Date('2026-03-02T10:30:00.000Z'));
    expect(await second.purge(new Date('2026-03-02T10:00:00.000Z'))).toBe(2);
    expect(await second.purge(new Date('2026-03-02T10:00:00.000Z'))).toBe(0);
    expect((await first.hit('a', HOUR, new Date('2026-03-02T10:45:00.000Z'))).count).toBe(2);
    expect((await first.hit('b', HOUR, new Date('2026-03-02T09:45:00.000Z'))).count).toBe(1);
  });
}
