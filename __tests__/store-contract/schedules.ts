import type { StoresUnderTest } from './context.js';

const at = (iso: string) => new Date(iso);

/** Scheduled sends and approvals: what every engine must do alike. */
export function scheduleContract({ stores, another }: StoresUnderTest): void {
  test('a schedule is put, moved, found when due, and not put again once running or done', async () => {
    const { schedules } = stores();
    expect(await schedules.put('2018-05-11', 'weekly', at('2018-05-11T08:00:00.000Z'))).toEqual({ ok: true });
    expect(await schedules.put('2018-05-11', 'leaders', at('2018-05-11T07:00:00.000Z'))).toEqual({
      ok: true,
    });
    expect(await schedules.put('2018-05-11', 'weekly', at('2018-05-11T09:30:00.000Z'))).toEqual({ ok: true });
    expect(await schedules.get('2018-05-11', 'weekly')).toEqual({
      issue: '2018-05-11',
      list: 'weekly',
      at: '2018-05-11T09:30:00.000Z',
      state: 'scheduled',
      detail: null,
    });
    expect(await schedules.get('2018-05-11', 'nobody')).toBeUndefined();
    expect((await schedules.all()).map((s) => s.list)).toEqual(['leaders', 'weekly']);
    expect((await schedules.due(at('2018-05-11T08:00:00.000Z'))).map((s) => s.list)).toEqual(['leaders']);

    await schedules.mark('2018-05-11', 'leaders', 'running', 'email abc');
    await schedules.mark('2018-05-11', 'weekly', 'cancelled');
    // A running one is due again (a restart cut it short); a cancelled one is not.
    expect(
      (await schedules.due(at('2018-05-12T00:00:00.000Z'))).map((s) => [s.list, s.state, s.detail]),
    ).toEqual([['leaders', 'running', 'email abc']]);
    expect(await schedules.put('2018-05-11', 'leaders', at('2018-05-12T08:00:00.000Z'))).toEqual({
      ok: false,
      state: 'running',
    });
    await schedules.mark('2018-05-11', 'leaders', 'done', '1 sent');
    expect(await schedules.put('2018-05-11', 'leaders', at('2018-05-12T08:00:00.000Z'))).toEqual({
      ok: false,
      state: 'done',
    });
    // A cancelled send may be scheduled again.
    expect(await schedules.put('2018-05-11', 'weekly', at('2018-05-12T08:00:00.000Z'))).toEqual({ ok: true });
  });

  test('a due schedule is claimed by one runner: a second is refused until the lease ends', async () => {
    const { schedules } = stores();
    await schedules.put('2018-05-11', 'weekly', at('2018-05-11T08:00:00.000Z'));
    const now = at('2018-05-11T08:00:10.000Z');
    const lease = at('2018-05-11T08:01:10.000Z');
    expect(await schedules.claim('2018-05-11', 'weekly', 'b', at('2018-05-11T07:59:00.000Z'), lease)).toBe(
      false,
    );
    expect(await schedules.claim('2018-05-11', 'weekly', 'a', now, lease)).toBe(true);
    // A claim alone is not a start: a runner that dies while checking leaves it `scheduled` (it may
    // still be called missed), not `running` (which reads as "part of the list has it").
    expect(await schedules.get('2018-05-11', 'weekly')).toMatchObject({ state: 'scheduled', detail: null });
    expect(await schedules.claim('2018-05-11', 'weekly', 'b', now, lease)).toBe(false);
    expect(await schedules.claim('2018-05-11', 'weekly', 'b', at('2018-05-11T08:01:00.000Z'), lease)).toBe(
      false,
    );
    // Its holder may claim it again and renew it; nobody else may renew it.
    expect(await schedules.claim('2018-05-11', 'weekly', 'a', now, lease)).toBe(true);
    expect(await schedules.renew('2018-05-11', 'weekly', 'a', at('2018-05-11T08:02:10.000Z'))).toBe(true);
    expect(await schedules.renew('2018-05-11', 'weekly', 'b', at('2018-05-11T09:00:00.000Z'))).toBe(false);
    expect(await schedules.claim('2018-05-11', 'weekly', 'b', at('2018-05-11T08:02:00.000Z'), lease)).toBe(
      false,
    );
    // `running` is the holder's own progress: the claim stays.
    await schedules.mark('2018-05-11', 'weekly', 'running', 'email abc');
    expect(await schedules.claim('2018-05-11', 'weekly', 'b', at('2018-05-11T08:02:00.000Z'), lease)).toBe(
      false,
    );
    // Its holder stopped renewing: the lease ends, and another runner takes it over.
    const later = at('2018-05-11T08:02:10.000Z');
    expect(await schedules.claim('2018-05-11', 'weekly', 'b', later, at('2018-05-11T08:03:10.000Z'))).toBe(
      true,
    );
    expect(await schedules.renew('2018-05-11', 'weekly', 'a', at('2018-05-11T09:00:00.000Z'))).toBe(false);
  });

  test('two servers racing for one due send: exactly one claims it', async () => {
    const second = await another();
    await stores().schedules.put('2018-05-11', 'weekly', at('2018-05-11T08:00:00.000Z'));
    const claims = Array.from({ length: 8 }, (_, i) =>
      (i % 2 ? stores() : second).schedules.claim(
        '2018-05-11',
        'weekly',
        `serve-${i}`,
        at('2018-05-11T08:00:10.000Z'),
        at('2018-05-11T08:01:10.000Z'),
      ),
    );
    expect((await Promise.all(claims)).filter(Boolean)).toHaveLength(1);
  });

  test('an outcome ends the claim; a finished schedule cannot be claimed', async () => {
    const { schedules } = stores();
    await schedules.put('2018-05-11', 'weekly', at('2018-05-11T08:00:00.000Z'));
    const now = at('2018-05-11T08:00:10.000Z');
    const lease = at('2018-05-11T08:01:10.000Z');
    expect(await schedules.claim('2018-05-11', 'weekly', 'a', now, lease)).toBe(true);
    await schedules.mark('2018-05-11', 'weekly', 'scheduled', 'waits for approval');
    expect(await schedules.claim('2018-05-11', 'weekly', 'b', now, lease)).toBe(true);
    await schedules.mark('2018-05-11', 'weekly', 'done', '1 sent');
    expect(await schedules.claim('2018-05-11', 'weekly', 'c', now, lease)).toBe(false);
    expect(await schedules.claim('2018-05-11', 'nobody', 'c', now, lease)).toBe(false);
  });

  test('approvals: every approval of an issue, newest first; approving again records the new time', async () => {
    const { approvals } = stores();
    await approvals.approve('2018-05-11', 'hash-1', 'Ann', at('2018-05-09T10:00:00.000Z'));
    await approvals.approve('2018-05-11', 'hash-2', 'Bob', at('2018-05-10T10:00:00.000Z'));
    await approvals.approve('2018-05-18', 'hash-3', 'Ann', at('2018-05-16T10:00:00.000Z'));
    await approvals.approve('2018-05-11', 'hash-1', 'Ann', at('2018-05-10T12:00:00.000Z'));
    expect(await approvals.of('2018-05-11')).toEqual([
      { approver: 'Ann', approvedAt: '2018-05-10T12:00:00.000Z', hash: 'hash-1' },
      { approver: 'Bob', approvedAt: '2018-05-10T10:00:00.000Z', hash: 'hash-2' },
    ]);
    expect(await approvals.of('2018-05-25')).toEqual([]);
  });
}
