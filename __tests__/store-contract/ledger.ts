import type { SendLedger, WorkerIdentity } from '../../src/dispatch/ledger.js';
import type { StoresUnderTest } from './context.js';

const ISSUE = '2018-05-11';
const LIST = 'weekly';
// Long before any clock the tests run on: an engine that put its own clock in an answer would show.
const T0 = Date.parse('2018-05-11T09:00:00.000Z');
export const at = (ms: number) => new Date(T0 + ms);

export async function* people(count: number): AsyncIterable<{ email: string; name: string | null }> {
  for (let i = 0; i < count; i++)
    yield { email: `reader${String(i).padStart(4, '0')}@example.org`, name: i % 2 ? `Reader ${i}` : null };
}
const reader = (i: number) => `reader${String(i).padStart(4, '0')}@example.org`;

function worker(id: string, pid = 4242): WorkerIdentity {
  return { id, host: 'host-a', pid };
}

/** Takes every pending row, batch by batch, as a worker's loop does, recording each as sent. */
async function drain(ledger: SendLedger, id: string): Promise<string[]> {
  const taken: string[] = [];
  for (;;) {
    const batch = await ledger.claim(ISSUE, LIST, id, 7, at(1));
    if (batch.length === 0) return taken;
    for (const row of batch) {
      if (!(await ledger.begin(ISSUE, LIST, row.email, id)))
        throw new Error(`${row.email} not held by ${id}`);
      await ledger.finish(ISSUE, LIST, row.email, id, 'sent');
      taken.push(row.email);
    }
  }
}

/** The send ledger (v2: several workers share one send, store-spec.md): what every engine must do alike. */
export function ledgerContract(t: StoresUnderTest): void {
  test('enqueue is idempotent, also when two connections enqueue the same list at once', async () => {
    const { ledger } = t.stores();
    const other = await t.another();
    const added = await Promise.all([
      ledger.enqueue(ISSUE, LIST, people(300)),
      other.ledger.enqueue(ISSUE, LIST, people(300)),
    ]);
    expect(added[0] + added[1]).toBe(300);
    expect(await ledger.enqueue(ISSUE, LIST, people(310))).toBe(10);
    expect((await ledger.counts(ISSUE))[LIST]).toEqual({
      pending: 310,
      claimed: 0,
      sending: 0,
      sent: 0,
      failed: 0,
      unknown: 0,
      skipped: 0,
    });
  });

  test('a claimed row is begun and finished by its holder only, and counted per list and per worker', async () => {
    const { ledger } = t.stores();
    await ledger.enqueue(ISSUE, LIST, people(5));
    await ledger.join(ISSUE, LIST, worker('a'), at(0), at(30_000));
    expect(await ledger.claim(ISSUE, LIST, 'a', 2, at(0))).toEqual([
      { email: reader(0), name: null, attempts: 1 },
      { email: reader(1), name: 'Reader 1', attempts: 1 },
    ]);
    expect(await ledger.begin(ISSUE, LIST, reader(0), 'b')).toBe(false);
    expect(await ledger.begin(ISSUE, LIST, reader(0), 'a')).toBe(true);
    // Begun once: a second begin would hand the message to SMTP twice.
    expect(await ledger.begin(ISSUE, LIST, reader(0), 'a')).toBe(false);
    await ledger.finish(ISSUE, LIST, reader(0), 'someone-else', 'sent');
    expect(await ledger.rows(ISSUE, LIST, 'sending')).toEqual([
      { email: reader(0), state: 'sending', attempts: 1, detail: null },
    ]);
    await ledger.finish(ISSUE, LIST, reader(0), 'a', 'sent', '250 ok');
    // A claimed row may be settled without being begun (its address left the list meanwhile).
    await ledger.finish(ISSUE, LIST, reader(1), 'a', 'skipped', 'unsubscribed');
    expect((await ledger.counts(ISSUE, LIST))[LIST]).toEqual({
      pending: 3,
      claimed: 0,
      sending: 0,
      sent: 1,
      failed: 0,
      unknown: 0,
      skipped: 1,
    });
    expect(await ledger.rows(ISSUE, LIST, 'sent')).toEqual([
      { email: reader(0), state: 'sent', attempts: 1, detail: '250 ok' },
    ]);
    const [a] = await ledger.workers(ISSUE, LIST);
    expect(a).toMatchObject({ id: 'a', stoppedAt: null, counts: { sent: 1, skipped: 1, claimed: 0 } });
  });

  test('two workers on two connections claiming at once never take the same row', async () => {
    const { ledger } = t.stores();
    const other = await t.another();
    await ledger.enqueue(ISSUE, LIST, people(200));
    await ledger.join(ISSUE, LIST, worker('a'), at(0), at(60_000));
    await other.ledger.join(ISSUE, LIST, worker('b', 4343), at(0), at(60_000));
    const [a, b] = await Promise.all([drain(ledger, 'a'), drain(other.ledger, 'b')]);
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    expect(new Set([...a, ...b]).size).toBe(200);
    expect(a.length + b.length).toBe(200);
    const workers = await other.ledger.workers(ISSUE, LIST);
    expect(workers.map((w) => [w.id, w.counts.sent])).toEqual([
      ['a', a.length],
      ['b', b.length],
    ]);
    expect(workers[0]).toMatchObject({
      host: 'host-a',
      pid: 4242,
      startedAt: at(0).toISOString(),
      heartbeatAt: at(0).toISOString(),
      leaseUntil: at(60_000).toISOString(),
      stoppedAt: null,
    });
  });

  test('a lease that runs out gives claimed rows back and makes rows in flight unknown', async () => {
    const { ledger } = t.stores();
    const other = await t.another();
    await ledger.enqueue(ISSUE, LIST, people(5));
    await ledger.join(ISSUE, LIST, worker('a'), at(0), at(1000));
    const claimed = await ledger.claim(ISSUE, LIST, 'a', 3, at(10));
    expect(await ledger.begin(ISSUE, LIST, claimed[0]!.email, 'a')).toBe(true);
    await ledger.heartbeat('a', at(500), at(1500));

    // Still held: nothing to recover, and the next work appears when the lease ends at the latest.
    await other.ledger.join(ISSUE, LIST, worker('b', 4343), at(600), at(60_000));
    expect(await other.ledger.recoverExpired(ISSUE, LIST, at(1400))).toEqual({ released: 0, unknown: 0 });
    expect((await other.ledger.claim(ISSUE, LIST, 'b', 10, at(1400))).length).toBe(2);
    expect(await other.ledger.nextPendingAt(ISSUE, LIST)).toEqual(at(1500));

    expect(await other.ledger.recoverExpired(ISSUE, LIST, at(1501))).toEqual({ released: 2, unknown: 1 });
    const rows = await other.ledger.rows(ISSUE, LIST);
    expect(rows.find((row) => row.email === claimed[0]!.email)).toMatchObject({
      state: 'unknown',
      attempts: 1,
      detail: expect.stringMatching(/stopped during this message/),
    });
    expect(rows.filter((row) => row.state === 'pending').map((row) => row.email)).toEqual(
      claimed.slice(1).map((row) => row.email),
    );
    // The late worker cannot start what it no longer holds.
    expect(await ledger.begin(ISSUE, LIST, claimed[1]!.email, 'a')).toBe(false);
    // Unknown rows are not resent by themselves; only on request.
    const again = await other.ledger.claim(ISSUE, LIST, 'b', 10, at(1502));
    expect(again.map((row) => row.email)).toEqual(claimed.slice(1).map((row) => row.email));
    expect(await other.ledger.requeueUnknown(ISSUE, LIST)).toBe(1);
    expect((await other.ledger.claim(ISSUE, LIST, 'b', 10, at(1503)))[0]).toMatchObject({
      email: claimed[0]!.email,
      attempts: 2,
    });
  });

  test('expire ends a dead worker at once; leave gives back what was not started', async () => {
    const { ledger } = t.stores();
    await ledger.enqueue(ISSUE, LIST, people(6));
    await ledger.join(ISSUE, LIST, worker('dead'), at(0), at(60_000));
    await ledger.join(ISSUE, LIST, worker('clean', 4343), at(0), at(60_000));
    await ledger.claim(ISSUE, LIST, 'dead', 2, at(1));
    const clean = await ledger.claim(ISSUE, LIST, 'clean', 3, at(1));
    await ledger.begin(ISSUE, LIST, clean[0]!.email, 'clean');
    await ledger.finish(ISSUE, LIST, clean[0]!.email, 'clean', 'sent', '250 ok');

    await ledger.expire('dead', at(5));
    expect(await ledger.recoverExpired(ISSUE, LIST, at(5))).toEqual({ released: 2, unknown: 0 });
    await ledger.leave('clean', at(6));
    const workers = await ledger.workers(ISSUE, LIST);
    expect(workers.find((w) => w.id === 'clean')).toMatchObject({
      stoppedAt: at(6).toISOString(),
      counts: { sent: 1, claimed: 0 },
    });
    expect(workers.find((w) => w.id === 'dead')).toMatchObject({
      stoppedAt: null,
      leaseUntil: at(5).toISOString(),
    });
    expect((await ledger.counts(ISSUE, LIST))[LIST]).toMatchObject({ pending: 5, claimed: 0, sent: 1 });
  });

  test('nextPendingAt: the earliest retry or lease end, as that instant even when past; none once settled', async () => {
    const { ledger } = t.stores();
    expect(await ledger.nextPendingAt(ISSUE, LIST)).toBeUndefined();
    await ledger.enqueue(ISSUE, LIST, people(2));
    // Rows with no time of their own have been due since they were enqueued: the epoch, due now to any clock.
    expect(await ledger.nextPendingAt(ISSUE, LIST)).toEqual(new Date(0));
    await ledger.join(ISSUE, LIST, worker('a'), at(0), at(60_000));
    const [first, second] = await ledger.claim(ISSUE, LIST, 'a', 2, at(1));
    // All held: work can appear again when the holder's lease runs out.
    expect(await ledger.nextPendingAt(ISSUE, LIST)).toEqual(at(60_000));
    await ledger.begin(ISSUE, LIST, first!.email, 'a');
    // Only the holder puts a row back for later.
    await ledger.retryLater(ISSUE, LIST, first!.email, 'b', 'not mine', at(5_000));
    expect(await ledger.nextPendingAt(ISSUE, LIST)).toEqual(at(60_000));
    await ledger.retryLater(ISSUE, LIST, first!.email, 'a', '421 busy', at(10_000));
    expect(await ledger.nextPendingAt(ISSUE, LIST)).toEqual(at(10_000));
    expect(await ledger.claim(ISSUE, LIST, 'a', 1, at(9_999))).toEqual([]);
    const [retry] = await ledger.claim(ISSUE, LIST, 'a', 1, at(10_000));
    expect(retry).toMatchObject({ email: first!.email, attempts: 2 });
    expect((await ledger.rows(ISSUE, LIST))[0]).toMatchObject({ state: 'claimed', detail: '421 busy' });
    await ledger.heartbeat('a', at(20_000), at(80_000));
    expect(await ledger.nextPendingAt(ISSUE, LIST)).toEqual(at(80_000));
    for (const row of [first!, second!]) {
      await ledger.begin(ISSUE, LIST, row.email, 'a');
      await ledger.finish(ISSUE, LIST, row.email, 'a', 'sent');
    }
    expect(await ledger.nextPendingAt(ISSUE, LIST)).toBeUndefined();
  });
}
