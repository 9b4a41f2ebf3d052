// P (issue 13): RateLimitStore as store-spec.md gives it, so the PostgreSQL one compiles; R's file replaces it.
export interface RateLimitStore {
  /** Counts one hit for `key` in the fixed window of `windowMs` containing `now`; atomic across processes. */
  hit(key: string, windowMs: number, now: Date): Promise<{ count: number; resetAt: Date }>;
  /** Deletes windows that ended before `before`. */
  purge(before: Date): Promise<number>;
}
