import type { Engine } from './subscribers.js';

const T0 = new Date('2026-01-01T12:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const mail = (recipient: string) => ({
  kind: 'confirmation' as const,
  recipient,
  message: { to: recipient, subject: 'Confirm', text: 'https://example.org/confirm?t=1' },
});

/** Schedules, approvals, the service's mail queue and its rate limits (store-spec.md). */
export function serviceBehaviours({ open, sameDatabase }: Engine): void {
  test('schedules: put, move, due, and a due send claimed by one runner until its lease ends', async () => {
    const { schedules } = await open();
    expect(await schedules.put('2026-01-01', 'weekly', at(60_000))).toEqual({ ok: true });
    expect(await schedules.put('2026-01-01', 'weekly', at(0))).toEqual({ ok: true });
    await schedules.put('2026-01-08', 'weekly', at(7 * 86_400_000));
    expect(await schedules.get('2026-01-01', 'weekly')).toEqual({
      issue: '2026-01-01',
      list: 'weekly',
      at: T0.toISOString(),
      state: 'scheduled',
      detail: null,
    });
    expect((await schedules.all()).map((s) => s.issue)).toEqual(['2026-01-01', '2026-01-08']);
    expect((await schedules.due(at(1))).map((s) => s.issue)).toEqual(['2026-01-01']);
    expect(await schedules.claim('2026-01-08', 'weekly', 'serve-a', at(1), at(30_000))).toBe(false);
    expect(await schedules.claim('2026-01-01', 'weekly', 'serve-a', at(1), at(30_000))).toBe(true);
    expect(await schedules.claim('2026-01-01', 'weekly', 'serve-b', at(2), at(30_000))).toBe(false);
    expect(await schedules.renew('2026-01-01', 'weekly', 'serve-b', at(60_000))).toBe(false);
    expect(await schedules.renew('2026-01-01', 'weekly', 'serve-a', at(60_000))).toBe(true);
    expect(await schedules.claim('2026-01-01', 'weekly', 'serve-b', at(59_000), at(90_000))).toBe(false);
    // serve-a died: once its lease has ended, another runner takes the send over.
    expect(await schedules.claim('2026-01-01', 'weekly', 'serve-b', at(60_001), at(90_000))).toBe(true);
    await schedules.mark('2026-01-01', 'weekly', 'done', '12 sent');
    expect(await schedules.get('2026-01-01', 'weekly')).toMatchObject({ state: 'done', detail: '12 sent' });
    expect(await schedules.put('2026-01-01', 'weekly', at(5))).toEqual({ ok: false, state: 'done' });
    expect(await schedules.claim('2026-01-01', 'weekly', 'serve-c', at(100_000), at(130_000))).toBe(false);
  });

  test('schedules: two servers racing for one due send, only one wins', async () => {
    const first = await open();
    const second = await sameDatabase(first);
    await first.schedules.put('2026-01-01', 'weekly', T0);
    const claims = Array.from({ length: 8 }, (_, i) =>
      (i % 2 ? first : second).schedules.claim('2026-01-01', 'weekly', `serve-${i}`, at(1), at(30_000)),
    );
    expect((await Promise.all(claims)).filter(Boolean)).toHaveLength(1);
    await second.close();
  });

  test('approvals: newest first, one per approver and build, an approval again moves its time', async () => {
    const { approvals } = await open();
    await approvals.approve('2026-01-01', 'hash-1', 'Ann', at(0));
    await approvals.approve('2026-01-01', 'hash-2', 'Ann', at(1000));
    await approvals.approve('2026-01-01', 'hash-1', 'Bob', at(2000));
    await approvals.approve('2026-01-01', 'hash-1', 'Ann', at(3000));
    await approvals.approve('2026-01-08', 'hash-9', 'Ann', at(0));
    expect(await approvals.of('2026-01-01')).toEqual([
      { approver: 'Ann', approvedAt: at(3000).toISOString(), hash: 'hash-1' },
      { approver: 'Bob', approvedAt: at(2000).toISOString(), hash: 'hash-1' },
      { approver: 'Ann', approvedAt: at(1000).toISOString(), hash: 'hash-2' },
    ]);
  });

  test('mail queue: claimed once under a lease, a stale sender cannot undo the new holder, purge', async () => {
    const { mailQueue } = await open();
    await mailQueue.enqueue(mail('a@example.org'), at(0));
    await mailQueue.enqueue(mail('b@example.org'), at(10));
    expect(await mailQueue.claimNext(at(-1), at(30_000))).toBeUndefined();
    const first = await mailQueue.claimNext(at(20), at(30_000));
    expect(first).toMatchObject({ recipient: 'a@example.org', attempts: 1, kind: 'confirmation' });
    expect(first!.message).toEqual(mail('a@example.org').message);
    const second = await mailQueue.claimNext(at(20), at(30_000));
    expect(second!.recipient).toBe('b@example.org');
    expect(await mailQueue.claimNext(at(20), at(30_000))).toBeUndefined();
    expect(await mailQueue.markFailed(second!, '550 no such user', undefined, at(100))).toBe(true);
    expect(await mailQueue.renew(first!, at(60_000))).toBe(true);
    // The first sender's lease runs out: another takes the mail, and the first can no longer fail it.
    const taken = await mailQueue.claimNext(at(60_001), at(90_000));
    expect(taken).toMatchObject({ id: first!.id, attempts: 2 });
    expect(await mailQueue.markFailed(first!, 'timeout', at(70_000), at(60_002))).toBe(false);
    expect(await mailQueue.renew(first!, at(70_000))).toBe(false);
    expect(await mailQueue.markSent(first!, at(60_003))).toBe(false);
    expect(await mailQueue.markSent(taken!, at(60_004))).toBe(false);
    expect(await mailQueue.claimNext(at(1_000_000), at(1_030_000))).toBeUndefined();
    expect(await mailQueue.purge(at(60_003))).toBe(1);
    expect(await mailQueue.purge(at(1_000_000))).toBe(1);
  });

  test('mail queue: two servers claiming at once never take the same mail', async () => {
    const first = await open();
    const second = await sameDatabase(first);
    for (let i = 0; i < 20; i++) await first.mailQueue.enqueue(mail(`p${i}@example.org`), at(i));
    const claims = Array.from({ length: 30 }, (_, i) =>
      (i % 2 ? first : second).mailQueue.claimNext(at(100), at(30_000)),
    );
    const taken = (await Promise.all(claims)).filter((claim) => claim !== undefined);
    expect(taken).toHaveLength(20);
    expect(new Set(taken.map((claim) => claim.id)).size).toBe(20);
    await second.close();
  });

  test('rate limits: hits from two servers count in one fixed window; old windows are purged', async () => {
    const first = await open();
    const second = await sameDatabase(first);
    const hits = Array.from({ length: 40 }, (_, i) =>
      (i % 2 ? first : second).rateLimits.hit('subscribe:203.0.113.9', 60_000, at(1000 + i)),
    );
    const counts = (await Promise.all(hits)).map((hit) => hit.count).sort((a, b) => a - b);
    expect(counts).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const hit = await first.rateLimits.hit('subscribe:203.0.113.9', 60_000, at(59_999));
    expect(hit.count).toBe(41);
    expect(hit.resetAt.toISOString()).toBe(at(60_000).toISOString());
    expect((await first.rateLimits.hit('subscribe:203.0.113.9', 60_000, at(60_000))).count).toBe(1);
    expect((await first.rateLimits.hit('other', 60_000, at(60_000))).count).toBe(1);
    expect(await first.rateLimits.purge(at(60_000))).toBe(1);
    expect((await first.rateLimits.hit('subscribe:203.0.113.9', 60_000, at(60_001))).count).toBe(2);
    await second.close();
  });
}
