import type { StoresUnderTest } from './context.js';
import { at } from './ledger.js';

/** Grants as milliseconds after the tests' T0, in order. */
const offsets = (slots: Date[]) => slots.map((slot) => slot.getTime() - at(0).getTime());

/** Checks every grant is at least `gapMs` after the one before, and no `messages + 1` fit in one window. */
function expectPaced(times: number[], gapMs: number, window?: { messages: number; ms: number }): void {
  const sorted = [...times].sort((a, b) => a - b);
  for (let i = 1; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 1]!).toBeGreaterThanOrEqual(gapMs);
  if (!window) return;
  for (let i = 0; i + window.messages < sorted.length; i++)
    expect(sorted[i + window.messages]! - sorted[i]!).toBeGreaterThanOrEqual(window.ms);
}

/**
 * The send ledger's global pacing (reserveSlots): one account's rate and sliding window hold across
 * every worker and process, whichever engine keeps them.
 */
export function pacingContract(t: StoresUnderTest): void {
  test('grants are spaced by the gap across calls and connections; each account has its own; idling banks nothing', async () => {
    const { ledger } = t.stores();
    const other = await t.another();
    expect(offsets(await ledger.reserveSlots('smtp-a', 3, at(0), 100))).toEqual([0, 100, 200]);
    expect(offsets(await other.ledger.reserveSlots('smtp-a', 2, at(0), 100))).toEqual([300, 400]);
    expect(offsets(await ledger.reserveSlots('smtp-b', 1, at(0), 100))).toEqual([0]);
    // An idle spell banks no credit: a later request starts from its own time.
    expect(offsets(await other.ledger.reserveSlots('smtp-a', 2, at(60_000), 100))).toEqual([60_000, 60_100]);
  });

  test('the sliding window counts every connection’s grants, earlier ones included', async () => {
    const { ledger } = t.stores();
    const other = await t.another();
    const window = { messages: 3, ms: 10_000 };
    const first = await ledger.reserveSlots('acct', 2, at(0), 1, window);
    const second = await other.ledger.reserveSlots('acct', 3, at(5), 1, window);
    expect(offsets([...first, ...second])).toEqual([0, 1, 5, 10_000, 10_001]);
    // The gap and the window together: the window's room opens 10 s after the grant at 5.
    const third = await ledger.reserveSlots('acct', 2, at(10_002), 1, window);
    expect(offsets(third)).toEqual([10_005, 20_000]);
    expectPaced(offsets([...first, ...second, ...third]), 1, window);
    // Grants older than the window no longer count.
    expect(offsets(await ledger.reserveSlots('acct', 1, at(40_000), 1, window))).toEqual([40_000]);
  });

  test('reservations from two connections at once never share a slot; gap and window hold', async () => {
    const { ledger } = t.stores();
    const other = await t.another();
    const window = { messages: 20, ms: 60_000 };
    const calls = Array.from({ length: 10 }, (_, i) =>
      (i % 2 ? ledger : other.ledger).reserveSlots('smtp', 3, at(0), 50, window),
    );
    const [elsewhere, ...grants] = await Promise.all([
      other.ledger.reserveSlots('smtp-b', 2, at(0), 50),
      ...calls,
    ]);
    const times = offsets(grants.flat()).sort((a, b) => a - b);
    expect(times.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => i * 50));
    expect(times.slice(20)).toEqual(Array.from({ length: 10 }, (_, i) => 60_000 + i * 50));
    expectPaced(times, 50, window);
    expect(offsets(elsewhere!)).toEqual([0, 50]);
  });
}
