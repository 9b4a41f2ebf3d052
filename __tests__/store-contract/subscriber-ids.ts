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
}
