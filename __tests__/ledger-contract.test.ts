import type { SendLedger, WorkerIdentity } from '../src/dispatch/ledger.js';
import type { Stores } from '../src/store/stores.js';
import { ENGINES } from './helpers/engines.js';

/**
 * The send ledger's contract (v2: several workers share one send), once for every engine. Two
 * connections to one database stand for two processes.
 */
const ISSUE = '2026-03-06';
const LIST = 'weekly';
const T0 = Date.parse('2026-03-06T09:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms);

async function* people(count: number, from = 0) {
  for (let i = from; i < from + count; i++)
    yield { email: `reader${String(i).padStart(4, '0')}@example.org`, name: i % 2 ? `Reader ${i}` : null };
}

function worker(id: string, pid = 4242): WorkerIdentity {
  return { id, host: 'host-a', pid };
}

describe.each(ENGINES)('the send ledger on $name', (engine) => {
  const maybe = engine.skip ? test.skip : test;
  if (engine.skip) console.warn(`SKIPPED: ledger contract on ${engine.name}: ${engine.skip}`);
  let opened: Stores;
  let ledger: SendLedger;
  beforeEach(async () => {
    if (engine.skip) return;
    opened = await engine.open();
    ledger = opened.ledger;
  });
  afterEach(async () => {
    if (!engine.skip) await opened.close();
  });

  maybe('enqueue is idempotent, also when two connections enqueue the same list at once', async () => {
    const other = await engine.sameDatabase(opened);
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
    await other.close();
  });

  maybe('two connections claiming at once never take the same row', async () => {
    const other = await engine.sameDatabase(opened);
    await ledger.enqueue(ISSUE, LIST, people(200));
    await ledger.join(ISSUE, LIST, worker('a'), at(0), at(60_000));
    await other.ledger.join(ISSUE, LIST, worker('b', 4343), at(0), at(60_000));
    const take = async (connection: SendLedger, id: string) => {
      const mine: string[] = [];
      for (;;) {
        const rows = await connection.claim(ISSUE, LIST, id, 7, at(1));
        if (rows.length === 0) return mine;
        mine.push(...rows.map((row) => row.email));
      }
    };
    const [a, b] = await Promise.all([take(ledger, 'a'), take(other.ledger, 'b')]);
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    expect(new Set([...a, ...b]).size).toBe(200);
    expect(a.length + b.length).toBe(200);
    const workers = await other.ledger.workers(ISSUE, LIST);
    expect(workers.map((w) => [w.id, w.counts.claimed])).toEqual([
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
    // Only the holder may start a row.
    expect(await ledger.begin(ISSUE, LIST, b[0]!, 'a')).toBe(false);
    expect(await other.ledger.begin(ISSUE, LIST, b[0]!, 'b')).toBe(true);
    await other.close();
  });

  maybe('a lease that runs out gives claimed rows back and makes rows in flight unknown', async () => {
    const other = await engine.sameDatabase(opened);
    await ledger.enqueue(ISSUE, LIST, people(5));
    await ledger.join(ISSUE, LIST, worker('a'), at(0), at(1000));
    const claimed = await ledger.claim(ISSUE, LIST, 'a', 3, at(10));
    expect(claimed.map((row) => row.attempts)).toEqual([1, 1, 1]);
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
    expect((await other.ledger.nextPendingAt(ISSUE, LIST))!.getTime()).toBeLessThanOrEqual(Date.now());
    // Unknown rows are not resent by themselves; only on request.
    const again = await other.ledger.claim(ISSUE, LIST, 'b', 10, at(1502));
    expect(again.map((row) => row.email)).toEqual(claimed.slice(1).map((row) => row.email));
    expect(await other.ledger.requeueUnknown(ISSUE, LIST)).toBe(1);
    expect((await other.ledger.claim(ISSUE, LIST, 'b', 10, at(1503)))[0]).toMatchObject({
      email: claimed[0]!.email,
      attempts: 2,
    });
    await other.close();
  });

  maybe('expire ends a dead worker at once; leave gives back what was not started', async () => {
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

  maybe('a retry waits for its time; outcomes are recorded only by the holder', async () => {
    await ledger.enqueue(ISSUE, LIST, people(1));
    await ledger.join(ISSUE, LIST, worker('a'), at(0), at(600_000));
    const [row] = await ledger.claim(ISSUE, LIST, 'a', 1, at(1));
    await ledger.begin(ISSUE, LIST, row!.email, 'a');
    await ledger.retryLater(ISSUE, LIST, row!.email, 'a', '421 busy', at(10_000));
    expect(await ledger.nextPendingAt(ISSUE, LIST)).toEqual(at(10_000));
    expect(await ledger.claim(ISSUE, LIST, 'a', 1, at(9_999))).toEqual([]);
    const [retry] = await ledger.claim(ISSUE, LIST, 'a', 1, at(10_000));
    expect(retry).toMatchObject({ email: row!.email, attempts: 2 });
    await ledger.finish(ISSUE, LIST, row!.email, 'someone-else', 'sent');
    expect((await ledger.rows(ISSUE, LIST))[0]).toMatchObject({ state: 'claimed', detail: '421 busy' });
    await ledger.finish(ISSUE, LIST, row!.email, 'a', 'skipped', 'unsubscribed');
    expect(await ledger.rows(ISSUE, LIST, 'skipped')).toEqual([
      { email: row!.email, state: 'skipped', attempts: 1, detail: 'unsubscribed' },
    ]);
    expect(await ledger.nextPendingAt(ISSUE, LIST)).toBeUndefined();
  });

  maybe('slots reserved from two connections at once are spaced by the gap, each granted once', async () => {
    const other = await engine.sameDatabase(opened);
    const grants = (
      await Promise.all([
        ledger.reserveSlots('smtp://a@mail', 5, at(0), 100),
        other.ledger.reserveSlots('smtp://a@mail', 5, at(0), 100),
        other.ledger.reserveSlots('smtp://b@mail', 2, at(0), 100),
      ])
    ).map((slots) => slots.map((slot) => slot.getTime() - T0));
    const shared = [...grants[0]!, ...grants[1]!].sort((x, y) => x - y);
    expect(shared).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
    // Another account has its own pacing.
    expect(grants[2]).toEqual([0, 100]);
    // An idle spell banks no credit: a later request starts from its own time.
    expect(
      (await ledger.reserveSlots('smtp://a@mail', 2, at(60_000), 100)).map((s) => s.getTime() - T0),
    ).toEqual([60_000, 60_100]);
    await other.close();
  });

  maybe('the sliding window counts every connection’s grants, earlier ones included', async () => {
    const other = await engine.sameDatabase(opened);
    const window = { messages: 3, ms: 10_000 };
    const first = await ledger.reserveSlots('acct', 2, at(0), 1, window);
    const second = await other.ledger.reserveSlots('acct', 3, at(5), 1, window);
    const times = [...first, ...second].map((slot) => slot.getTime() - T0);
    expect(times).toEqual([0, 1, 5, 10_000, 10_001]);
    // Never more than 3 in any 10 s, whoever asked.
    for (let i = 0; i + 3 < times.length; i++)
      expect(times[i + 3]! - times[i]!).toBeGreaterThanOrEqual(10_000);
    // Grants older than the window no longer count.
    expect(
      (await ledger.reserveSlots('acct', 1, at(30_000), 1, window)).map((s) => s.getTime() - T0),
    ).toEqual([30_000]);
    await other.close();
  });
});
