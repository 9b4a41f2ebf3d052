import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';

/**
 * The service's rate limits, counted in the database: several `bulletin serve` processes over one
 * database share the counts, and a restart does not reset them (an attacker cannot wait for one).
 */
export interface RateLimitStore {
  /** Counts one hit for `key` in the fixed window of `windowMs` containing `now`; atomic across processes. */
  hit(key: string, windowMs: number, now: Date): Promise<{ count: number; resetAt: Date }>;
  /**
   * Deletes windows that ended before `before`. A window's row knows only its start, so this deletes
   * the windows that started before `before`: pass now minus the longest window the service uses.
   */
  purge(before: Date): Promise<number>;
}

/** The window of `windowMs` that contains `now`: windows are aligned to the epoch, so every server agrees. */
export function windowAt(now: Date, windowMs: number): { start: Date; end: Date } {
  const start = Math.floor(now.getTime() / windowMs) * windowMs;
  return { start: new Date(start), end: new Date(start + windowMs) };
}

/** What @fastify/rate-limit passes to a store's `child`: the merged options, with the route they are for. */
interface ChildOptions {
  routeInfo?: { method?: string | string[]; url?: string };
}

/**
 * @fastify/rate-limit's `store` option over a `RateLimitStore`. The plugin constructs it once, then
 * asks it for a child per limited route (and per `createRateLimit`); each child prefixes its keys
 * with its route, so the limits of two routes never share a count. A limiter made with
 * `createRateLimit` has no route: its `keyGenerator` must name it.
 */
export function databaseRateLimits(store: RateLimitStore, now: () => number): FastifyRateLimitStoreCtor {
  class DatabaseRateLimitStore implements FastifyRateLimitStore {
    /** Set on children; the plugin constructs the root one with its options, which it needs none of. */
    prefix = '';

    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
    ): void {
      const at = new Date(now());
      store.hit(this.prefix + key, timeWindow, at).then(
        ({ count, resetAt }) => callback(null, { current: count, ttl: resetAt.getTime() - at.getTime() }),
        (error: Error) => callback(error),
      );
    }

    // Typed by the plugin as the route's options; its code passes the merged limit options instead.
    child(routeOptions: object): FastifyRateLimitStore {
      const { method, url } = (routeOptions as ChildOptions).routeInfo ?? {};
      const child = new DatabaseRateLimitStore();
      child.prefix = url ? `${[method].flat().join(',')} ${url}|` : '';
      return child;
    }
  }
  return DatabaseRateLimitStore;
}
