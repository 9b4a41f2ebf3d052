/** What a reservation knows: the account's pacing row and its grants still inside the window. */
export interface SlotRequest {
  count: number;
  /** ms since the epoch, as every time below. */
  now: number;
  /** The earliest the next grant may be (the last grant plus the gap). */
  nextAt: number;
  gapMs: number;
  window?: { messages: number; ms: number } | undefined;
  /** Earlier grants of the account, at most `window.ms` old, oldest first. */
  earlier: readonly number[];
}

/**
 * The times at which `count` messages may be handed over: each at least `gapMs` after the one
 * before, and never more than `window.messages` in any `window.ms` (a half-open window, earlier
 * grants counted). Pure, so both engines reserve alike inside their own atomic step.
 */
export function grantSlots(request: SlotRequest): number[] {
  const { count, now, nextAt, gapMs, window } = request;
  const grants = [...request.earlier];
  const granted: number[] = [];
  let at = Math.max(now, nextAt);
  for (let i = 0; i < count; i++) {
    if (window) {
      const inWindow = grants.filter((grant) => grant > at - window.ms);
      // Wait until the oldest grant that keeps the window full has left it.
      if (inWindow.length >= window.messages)
        at = Math.max(at, inWindow[inWindow.length - window.messages]! + window.ms);
    }
    granted.push(at);
    grants.push(at);
    at += gapMs;
  }
  return granted;
}
