import type { StoresUnderTest } from './context.js';

const at = (iso: string) => new Date(iso);
const mail = (recipient: string) => ({
  kind: 'confirmation' as const,
  recipient,
  message: { from: 'news@example.org', to: recipient, subject: 'Confirm', text: `hello ${recipient}` },
});

/** The service's mail queue: what every engine must do alike. */
export function mailQueueContract({ stores, another }: StoresUnderTest): void {
  test('mail is claimed oldest first, once due, one at a time, each attempt counted; sent mail is done', async () => {
    const { mailQueue } = stores();
    await mailQueue.enqueue(mail('a@example.org'), at('2018-05-11T08:00:00.000Z'));
    await mailQueue.enqueue(mail('b@example.org'), at('2018-05-11T08:00:05.000Z'));
    expect(
      await mailQueue.claimNext(at('2018-05-11T07:59:59.000Z'), at('2018-05-11T08:01:00.000Z')),
    ).toBeUndefined();
    const first = await mailQueue.claimNext(at('2018-05-11T08:00:10.000Z'), at('2018-05-11T08:01:00.000Z'));
    expect(first).toMatchObject({ kind: 'confirmation', recipient: 'a@example.org', attempts: 1 });
    expect(first!.message).toEqual(mail('a@example.org').message);
    const second = await mailQueue.claimNext(at('2018-05-11T08:00:10.000Z'), at('2018-05-11T08:01:00.000Z'));
    expect(second).toMatchObject({ recipient: 'b@example.org', attempts: 1 });
    expect(second!.lease).not.toBe(first!.lease);
    expect(
      await mailQueue.claimNext(at('2018-05-11T08:00:10.000Z'), at('2018-05-11T08:01:00.000Z')),
    ).toBeUndefined();
    expect(await mailQueue.markSent(first!, at('2018-05-11T08:00:20.000Z'))).toBe(true);
    // Sent: never claimed again, even long after.
    expect(
      (await mailQueue.claimNext(at('2018-05-12T00:00:00.000Z'), at('2018-05-12T00:01:00.000Z')))?.recipient,
    ).toBe('b@example.org');
  });

  test('a lease that runs out passes the mail to another sender; the stale one cannot undo its attempt', async () => {
    const { mailQueue } = stores();
    await mailQueue.enqueue(mail('a@example.org'), at('2018-05-11T08:00:00.000Z'));
    const stale = (await mailQueue.claimNext(
      at('2018-05-11T08:00:00.000Z'),
      at('2018-05-11T08:00:30.000Z'),
    ))!;
    expect(await mailQueue.renew(stale, at('2018-05-11T08:01:00.000Z'))).toBe(true);
    expect(
      await mailQueue.claimNext(at('2018-05-11T08:00:45.000Z'), at('2018-05-11T08:02:00.000Z')),
    ).toBeUndefined();
    const taken = (await mailQueue.claimNext(
      at('2018-05-11T08:01:00.000Z'),
      at('2018-05-11T08:02:00.000Z'),
    ))!;
    expect(taken).toMatchObject({ id: stale.id, attempts: 2 });
    expect(await mailQueue.renew(stale, at('2018-05-11T08:05:00.000Z'))).toBe(false);
    expect(
      await mailQueue.markFailed(
        stale,
        'timeout',
        at('2018-05-11T08:03:00.000Z'),
        at('2018-05-11T08:01:30.000Z'),
      ),
    ).toBe(false);
    // The stale sender's message did go out: that is recorded (not sent twice), and it is told it was late.
    expect(await mailQueue.markSent(stale, at('2018-05-11T08:01:40.000Z'))).toBe(false);
    expect(
      await mailQueue.markFailed(taken, '421 try later', undefined, at('2018-05-11T08:01:50.000Z')),
    ).toBe(false);
    expect(
      await mailQueue.claimNext(at('2018-05-12T00:00:00.000Z'), at('2018-05-12T00:01:00.000Z')),
    ).toBeUndefined();
  });

  test('a failed attempt is retried at its time, or given up; finished mail is purged after its time', async () => {
    const { mailQueue } = stores();
    await mailQueue.enqueue(mail('a@example.org'), at('2018-05-11T08:00:00.000Z'));
    await mailQueue.enqueue(mail('b@example.org'), at('2018-05-11T08:00:00.000Z'));
    const a = (await mailQueue.claimNext(at('2018-05-11T08:00:00.000Z'), at('2018-05-11T08:01:00.000Z')))!;
    const b = (await mailQueue.claimNext(at('2018-05-11T08:00:00.000Z'), at('2018-05-11T08:01:00.000Z')))!;
    expect(
      await mailQueue.markFailed(
        a,
        '421 try later',
        at('2018-05-11T08:10:00.000Z'),
        at('2018-05-11T08:00:05.000Z'),
      ),
    ).toBe(true);
    expect(await mailQueue.markFailed(b, '550 no such user', undefined, at('2018-05-11T08:00:05.000Z'))).toBe(
      true,
    );
    expect(
      await mailQueue.claimNext(at('2018-05-11T08:09:59.000Z'), at('2018-05-11T08:11:00.000Z')),
    ).toBeUndefined();
    const retried = (await mailQueue.claimNext(
      at('2018-05-11T08:10:00.000Z'),
      at('2018-05-11T08:11:00.000Z'),
    ))!;
    expect(retried).toMatchObject({ recipient: 'a@example.org', attempts: 2 });
    expect(await mailQueue.markSent(retried, at('2018-05-11T08:10:05.000Z'))).toBe(true);
    expect(await mailQueue.purge(at('2018-05-11T08:00:05.000Z'))).toBe(0);
    expect(await mailQueue.purge(at('2018-05-11T08:10:05.001Z'))).toBe(2);
    expect(await mailQueue.purge(at('2018-05-12T00:00:00.000Z'))).toBe(0);
  });

  test('two servers claiming at once never take the same mail', async () => {
    const second = await another();
    for (let i = 0; i < 20; i++)
      await stores().mailQueue.enqueue(
        mail(`p${i}@example.org`),
        new Date(Date.parse('2018-05-11T08:00:00.000Z') + i),
      );
    const claims = Array.from({ length: 30 }, (_, i) =>
      (i % 2 ? stores() : second).mailQueue.claimNext(
        at('2018-05-11T08:00:10.000Z'),
        at('2018-05-11T08:01:00.000Z'),
      ),
    );
    const taken = (await Promise.all(claims)).filter((claim) => claim !== undefined);
    expect(taken).toHaveLength(20);
    expect(new Set(taken.map((claim) => claim.id)).size).toBe(20);
  });
}
