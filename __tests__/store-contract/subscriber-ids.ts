import type { StoresUnderTest } from './context.js';

const ISSUE = '2018-05-11';
const at = (ms: number) => new Date(Date.parse('2018-05-11T09:00:00.000Z') + ms);

/**
 * A subscriber's id, and the address behind an id: what a bounce token names (src/dispatch/verp.ts) and how
 * it is turned back into an address. The send ledger's claimed rows carry the id, so a send makes no extra
 * query per message for it.
 */
export function subscriberIdContract(t: StoresUnderTest): void {
  test('idOf and emailOf turn an address into its id and back; unknown ones give undefined', async () => {
    const { subscribers } = t.stores();
    await subscribers.importSubscribers('weekly', [{ email: 'a@example.org' }, { email: 'b@example.org' }], {
      source: 'test',
    });
    await subscribers.addSubscriber('leaders', { email: 'c@example.org' }, 'pending', { source: 'form' });
    const ids = await Promise.all(
      ['a@example.org', 'b@example.org', 'c@example.org'].map((email) => subscribers.idOf(email)),
    );
    for (const id of ids) expect(Number.isSafeInteger(id) && id! > 0).toBe(true);
    expect(new Set(ids).size).toBe(3);
    expect(await subscribers.emailOf(ids[0]!)).toBe('a@example.org');
    expect(await subscribers.emailOf(ids[2]!)).toBe('c@example.org');
    // The same id from another connection (another process): ids are the database's, not the connection's.
    const other = await t.another();
    expect(await other.subscribers.idOf('b@example.org')).toBe(ids[1]);
    expect(await subscribers.idOf('nobody@example.org')).toBeUndefined();
    expect(await subscribers.emailOf(Math.max(...(ids as number[])) + 1000)).toBeUndefined();
    expect(await subscribers.emailOf(0)).toBeUndefined();
    expect(await subscribers.emailOf(-1)).toBeUndefined();
    // A suppressed or unsubscribed address keeps its id: a late bounce still names it.
    await subscribers.suppress('a@example.org', 'unsubscribed', { source: 'test' });
    expect(await subscribers.idOf('a@example.org')).toBe(ids[0]);
  });

  test('claimed ledger rows carry the subscriber id of their address', async () => {
    const { subscribers, ledger } = t.stores();
    await subscribers.importSubscribers('weekly', [{ email: 'a@example.org' }, { email: 'b@example.org' }], {
      source: 'test',
    });
    await ledger.enqueue(ISSUE, 'weekly', subscribers.recipients('weekly'));
    await ledger.join(ISSUE, 'weekly', { id: 'w', host: 'h', pid: 1 }, at(0), at(30_000));
    const claimed = await ledger.claim(ISSUE, 'weekly', 'w', 10, at(0));
    expect(claimed).toEqual([
      {
        email: 'a@example.org',
        name: null,
        attempts: 1,
        subscriberId: await subscribers.idOf('a@example.org'),
      },
      {
        email: 'b@example.org',
        name: null,
        attempts: 1,
        subscriberId: await subscribers.idOf('b@example.org'),
      },
    ]);
  });

  test('claimed rows carry the day the person subscribed themselves, and only that', async () => {
    const { subscribers, ledger } = t.stores();
    await subscribers.importSubscribers('weekly', [{ email: 'a@example.org' }], { source: 'import:x.csv' });
    const request = await subscribers.requestSubscription({ email: 'b@example.org' }, ['weekly', 'leaders'], {
      source: 'form',
      at: '2026-03-02T23:30:00.000Z',
    });
    if (request.capped) throw new Error('capped');
    await subscribers.confirmSubscription(request.nonce, 'b@example.org', {
      source: 'double-opt-in',
      at: '2026-03-03T00:30:00.000Z',
    });
    // On the preferences page (a signed link from an earlier email), a chooses a second list.
    await subscribers.addSubscriber('leaders', { email: 'a@example.org' }, 'pending', { source: 'cli' });
    await subscribers.setStatus('a@example.org', 'leaders', 'subscribed', {
      source: 'preferences',
      at: '2026-04-01T08:00:00.000Z',
    });
    await subscribers.addSubscriber('leaders', { email: 'c@example.org' }, 'subscribed', { source: 'cli' });
    const claimed = async (list: string) => {
      await ledger.enqueue(ISSUE, list, subscribers.recipients(list));
      await ledger.join(ISSUE, list, { id: `w-${list}`, host: 'h', pid: 1 }, at(0), at(30_000));
      const rows = await ledger.claim(ISSUE, list, `w-${list}`, 10, at(0));
      return rows.map(({ email, subscribedAt }) => ({ email, subscribedAt }));
    };
    expect(await claimed('weekly')).toEqual([
      { email: 'a@example.org', subscribedAt: undefined },
      { email: 'b@example.org', subscribedAt: '2026-03-03T00:30:00.000Z' },
    ]);
    expect(await claimed('leaders')).toEqual([
      { email: 'a@example.org', subscribedAt: '2026-04-01T08:00:00.000Z' },
      { email: 'b@example.org', subscribedAt: '2026-03-03T00:30:00.000Z' },
      { email: 'c@example.org', subscribedAt: undefined },
    ]);
  });
}
