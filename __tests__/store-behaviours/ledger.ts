import type { SendLedger } from '../../src/dispatch/ledger.js';
import type { Engine } from './subscribers.js';

async function* people(count: number, prefix = 'r'): AsyncIterable<{ email: string; name: string | null }> {
  for (let i = 0; i < count; i++)
    yield { email: `${prefix}${String(i).padStart(4, '0')}@example.org`, name: null };
}

const T0 = new Date('2026-01-01T12:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const worker = (id: string) => ({ id, host: 'host-a', pid: 1000 });

/** Takes every pending row, batch by batch, as a worker loop would, recording each as sent. */
async function drain(ledger: SendLedger, id: string, now: Date): Promise<string[]> {
  const taken: string[] = [];
  for (;;) {
    const batch = await ledger.claim('2026-01-01', 'weekly', id, 7, now);
    if (batch.length === 0) return taken;
    for (const row of batch) {
      if (!(await ledger.begin('2026-01-01', 'weekly', row.email, id)))
        throw new Error(`${row.email} not held`);
      await ledger.finish('2026-01-01', 'weekly', row.email, id, 'sent');
      taken.push(row.email);
    }
  }
}

/** The send ledger v2: several workers share one send (store-spec.md). */
export function ledgerBehaviours({ open, sameDatabase }: Engine): void {
  test('enqueue is idempotent; claim, begin and finish move a row and count it per list and worker', async () => {
    const { ledger } = await open();
    expect(await ledger.enqueue('2026-01-01', 'weekly', people(5))).toBe(5);
    expect(await ledger.enqueue('2026-01-01', 'weekly', people(6))).toBe(1);
    await ledger.join('2026-01-01', 'weekly', worker('w1'), T0, at(30_000));
    const batch = await ledger.claim('2026-01-01', 'weekly', 'w1', 2, T0);
    expect(batch).toEqual([
      { email: 'r0000@example.org', name: null, attempts: 1 },
      { email: 'r0001@example.org', name: null, attempts: 1 },
    ]);
    expect(await ledger.begin('2026-01-01', 'weekly', 'r0000@example.org', 'w2')).toBe(false);
    expect(await ledger.begin('2026-01-01', 'weekly', 'r0000@example.org', 'w1')).toBe(true);
    expect(await ledger.begin('2026-01-01', 'weekly', 'r0000@example.org', 'w1')).toBe(false);
    await ledger.finish('2026-01-01', 'weekly', 'r0000@example.org', 'w1', 'sent');
    const counts = (await ledger.counts('2026-01-01')).weekly!;
    expect(counts).toEqual({
      pending: 4,
      claimed: 1,
      sending: 0,
      sent: 1,
      failed: 0,
      unknown: 0,
      skipped: 0,
    });
    const [w1] = await ledger.workers('2026-01-01', 'weekly');
    expect(w1).toMatchObject({ id: 'w1', host: 'host-a', pid: 1000, stoppedAt: null });
    expect(w1!.leaseUntil).toBe(at(30_000).toISOString());
    expect(w1!.counts).toMatchObject({ sent: 1, claimed: 1 });
    expect(await ledger.rows('2026-01-01', 'weekly', 'sent')).toEqual([
      { email: 'r0000@example.org', state: 'sent', attempts: 1, detail: null },
    ]);
    await ledger.leave('w1', at(1000));
    expect((await ledger.counts('2026-01-01', 'weekly')).weekly).toMatchObject({ pending: 5, claimed: 0 });
    expect((await ledger.workers('2026-01-01', 'weekly'))[0]!.stoppedAt).toBe(at(1000).toISOString());
  });

  test('two workers on two connections claiming at once never take the same row', async () => {
    const first = await open();
    const second = await sameDatabase(first);
    await first.ledger.enqueue('2026-01-01', 'weekly', people(300));
    for (const [stores, id] of [
      [first, 'w1'],
      [second, 'w2'],
    ] as const)
      await stores.ledger.join('2026-01-01', 'weekly', worker(id), T0, at(60_000));
    const [one, two] = await Promise.all([drain(first.ledger, 'w1', T0), drain(second.ledger, 'w2', T0)]);
    expect(one.length + two.length).toBe(300);
    expect(new Set([...one, ...two]).size).toBe(300);
    expect(one.length).toBeGreaterThan(0);
    expect(two.length).toBeGreaterThan(0);
    await second.close();
  });

  test('a dead worker: its claimed rows go back after its lease, its rows in flight become unknown', async () => {
    const { ledger } = await open();
    await ledger.enqueue('2026-01-01', 'weekly', people(4));
    await ledger.join('2026-01-01', 'weekly', worker('dead'), T0, at(30_000));
    await ledger.join('2026-01-01', 'weekly', worker('alive'), T0, at(30_000));
    const held = await ledger.claim('2026-01-01', 'weekly', 'dead', 3, T0);
    await ledger.begin('2026-01-01', 'weekly', held[0]!.email, 'dead');
    expect(await ledger.recoverExpired('2026-01-01', 'weekly', at(10_000))).toEqual({
      released: 0,
      unknown: 0,
    });
    await ledger.claim('2026-01-01', 'weekly', 'alive', 1, T0);
    await ledger.heartbeat('alive', at(29_000), at(90_000));
    expect(await ledger.recoverExpired('2026-01-01', 'weekly', at(31_000))).toEqual({
      released: 2,
      unknown: 1,
    });
    const rows = await ledger.rows('2026-01-01', 'weekly');
    expect(rows.map((row) => row.state)).toEqual(['unknown', 'pending', 'pending', 'claimed']);
    expect(rows[0]!.detail).toMatch(/stopped during this message/);
    expect(await ledger.requeueUnknown('2026-01-01', 'weekly')).toBe(1);
    expect((await ledger.counts('2026-01-01', 'weekly')).weekly).toMatchObject({ pending: 3, unknown: 0 });
  });

  test('expire ends a worker known dead at once; nextPendingAt waits for leases and retries', async () => {
    const { ledger } = await open();
    expect(await ledger.nextPendingAt('2026-01-01', 'weekly')).toBeUndefined();
    await ledger.enqueue('2026-01-01', 'weekly', people(1));
    const soon = new Date(Date.now() + 60_000);
    await ledger.join('2026-01-01', 'weekly', worker('w1'), new Date(), soon);
    const [row] = await ledger.claim('2026-01-01', 'weekly', 'w1', 5, new Date());
    expect((await ledger.nextPendingAt('2026-01-01', 'weekly'))!.getTime()).toBe(soon.getTime());
    const later = new Date(Date.now() + 120_000);
    // A retry is for a message handed over and answered 4xx (the contract: only from `sending`).
    expect(await ledger.begin('2026-01-01', 'weekly', row!.email, 'w1')).toBe(true);
    await ledger.retryLater('2026-01-01', 'weekly', row!.email, 'w1', '421 try later', later);
    expect((await ledger.nextPendingAt('2026-01-01', 'weekly'))!.getTime()).toBe(later.getTime());
    expect(await ledger.claim('2026-01-01', 'weekly', 'w1', 5, new Date())).toEqual([]);
    expect(
      await ledger.claim('2026-01-01', 'weekly', 'w1', 5, at(later.getTime() - T0.getTime())),
    ).toHaveLength(1);
    const now = new Date();
    await ledger.begin('2026-01-01', 'weekly', row!.email, 'w1');
    await ledger.expire('w1', now);
    expect(await ledger.recoverExpired('2026-01-01', 'weekly', now)).toEqual({ released: 0, unknown: 1 });
    expect(await ledger.nextPendingAt('2026-01-01', 'weekly')).toBeUndefined();
  });

  test('reserveSlots spaces every grant by the gap and keeps the window cap, across calls', async () => {
    const { ledger } = await open();
    const first = await ledger.reserveSlots('smtp-a', 3, T0, 100);
    expect(first.map((d) => d.getTime() - T0.getTime())).toEqual([0, 100, 200]);
    const second = await ledger.reserveSlots('smtp-a', 2, T0, 100);
    expect(second.map((d) => d.getTime() - T0.getTime())).toEqual([300, 400]);
    expect((await ledger.reserveSlots('smtp-b', 1, T0, 100))[0]!.getTime()).toBe(T0.getTime());
    const window = { messages: 3, ms: 10_000 };
    const capped = await ledger.reserveSlots('smtp-c', 5, T0, 10, window);
    expect(capped.map((d) => d.getTime() - T0.getTime())).toEqual([0, 10, 20, 10_000, 10_010]);
    const next = await ledger.reserveSlots('smtp-c', 2, at(10_015), 10, window);
    expect(next.map((d) => d.getTime() - T0.getTime())).toEqual([10_020, 20_000]);
  });

  test('reservations from two connections at once never share a slot', async () => {
    const first = await open();
    const second = await sameDatabase(first);
    const calls = Array.from({ length: 10 }, (_, i) =>
      (i % 2 ? first : second).ledger.reserveSlots('smtp', 3, T0, 50, { messages: 20, ms: 60_000 }),
    );
    const times = (await Promise.all(calls)).flat().map((d) => d.getTime() - T0.getTime());
    times.sort((a, b) => a - b);
    expect(times.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => i * 50));
    expect(times.slice(20)).toEqual(Array.from({ length: 10 }, (_, i) => 60_000 + i * 50));
    await second.close();
  });
}
