import type { Stores } from '../../src/store/stores.js';
import type { StoresUnderTest } from './context.js';

/** Everything an async iterable yields, in order. */
export const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

const recipientsOf = async (stores: Stores, list: string) => {
  const out: string[] = [];
  for await (const recipient of stores.subscribers.recipients(list)) out.push(recipient.email);
  return out;
};

/** The subscriber store, the consent log and the suppression list: what every engine must do alike. */
export function subscriberContract({ engine, stores }: StoresUnderTest): void {
  test('imports add or update every row, never resubscribe a "no", and keep when and how each status came', async () => {
    const { subscribers } = stores();
    const first = await subscribers.importSubscribers(
      'weekly',
      [{ email: 'a@example.org', name: 'A', attributes: { org: 'Leeds' } }, { email: 'b@example.org' }],
      { source: 'import:one.csv', at: '2018-05-01T09:00:00.000Z' },
    );
    expect(first).toEqual({ added: 2, updated: 0, unchanged: 0, keptOut: 0 });
    const again = [{ email: 'a@example.org', name: 'A' }, { email: 'b@example.org' }];
    expect(await subscribers.importSubscribers('weekly', again, { source: 'import:one.csv' })).toEqual({
      added: 0,
      updated: 0,
      unchanged: 2,
      keptOut: 0,
    });
    const unsubscribe = { source: 'one-click', at: '2018-05-02T10:00:00.000Z' };
    expect(await subscribers.setStatus('b@example.org', 'weekly', 'unsubscribed', unsubscribe)).toBe(true);
    const second = [{ email: 'b@example.org', name: 'B' }, { email: 'c@example.org' }];
    expect(await subscribers.importSubscribers('weekly', second, { source: 'import:two.csv' })).toEqual({
      added: 1,
      updated: 0,
      unchanged: 0,
      keptOut: 1,
    });
    const readd = await subscribers.addSubscriber('weekly', { email: 'b@example.org' }, 'subscribed', {
      source: 'cli',
    });
    expect(readd).toEqual({ created: false, status: 'unsubscribed' });
    expect(
      await subscribers.addSubscriber('leaders', { email: 'd@example.org' }, 'pending', { source: 'form' }),
    ).toEqual({ created: true, status: 'pending' });

    const rows = await collect(subscribers.subscribers('weekly'));
    expect(rows.map((r) => [r.email, r.name, r.status, r.statusSource])).toEqual([
      ['a@example.org', 'A', 'subscribed', 'import:one.csv'],
      // The name is kept up to date; the "no" stands.
      ['b@example.org', 'B', 'unsubscribed', 'one-click'],
      ['c@example.org', null, 'subscribed', 'import:two.csv'],
    ]);
    expect(rows[0]!.attributes).toEqual({ org: 'Leeds' });
    expect(rows[2]!.attributes).toEqual({});
    expect(rows[1]!.statusAt).toBe('2018-05-02T10:00:00.000Z');
    expect((await collect(subscribers.subscribers())).map((r) => `${r.list}:${r.email}`)).toEqual([
      'leaders:d@example.org',
      'weekly:a@example.org',
      'weekly:b@example.org',
      'weekly:c@example.org',
    ]);
    expect(await subscribers.counts()).toEqual([
      { list: 'leaders', status: 'pending', count: 1 },
      { list: 'weekly', status: 'subscribed', count: 2 },
      { list: 'weekly', status: 'unsubscribed', count: 1 },
    ]);
    expect(await engine.consentLog(stores(), 'b@example.org')).toEqual([
      { list: 'weekly', status: 'subscribed', source: 'import:one.csv' },
      { list: 'weekly', status: 'unsubscribed', source: 'one-click' },
    ]);
  });

  test('an import that fails midway leaves nothing behind', async () => {
    const { subscribers } = stores();
    const rows = [
      { email: 'a@example.org' },
      { email: 'b@example.org', attributes: { bad: 1n as unknown as string } },
    ];
    await expect(subscribers.importSubscribers('weekly', rows, { source: 'import:x.csv' })).rejects.toThrow();
    expect(await subscribers.counts()).toEqual([]);
    expect(await subscribers.memberships('a@example.org')).toEqual([]);
  });

  test('a status change with onlyFrom happens only from those statuses; one off the list changes nothing', async () => {
    const { subscribers } = stores();
    await subscribers.addSubscriber('weekly', { email: 'a@example.org' }, 'pending', { source: 'form' });
    const confirm = { source: 'confirm' };
    expect(
      await subscribers.setStatus('a@example.org', 'weekly', 'subscribed', confirm, ['subscribed']),
    ).toBe(false);
    expect(await subscribers.setStatus('a@example.org', 'weekly', 'subscribed', confirm, ['pending'])).toBe(
      true,
    );
    expect(await subscribers.setStatus('a@example.org', 'leaders', 'subscribed', confirm)).toBe(false);
    expect(await subscribers.setStatus('nobody@example.org', 'weekly', 'subscribed', confirm)).toBe(false);
    expect(await subscribers.memberships('a@example.org')).toEqual([
      { list: 'weekly', status: 'subscribed' },
    ]);
  });

  test('a suppression takes an address off every list and out of every send, on the record', async () => {
    const { subscribers } = stores();
    for (const list of ['weekly', 'leaders'])
      await subscribers.importSubscribers(list, [{ email: 'a@example.org' }, { email: 'b@example.org' }], {
        source: 'import',
      });
    expect(await subscribers.isSendable('a@example.org', 'weekly')).toBe(true);
    await subscribers.suppress('a@example.org', 'bounced', { source: 'smtp-bounce' });
    // An address nobody has subscribed can be suppressed ahead of time, and is then kept out.
    await subscribers.suppress('later@example.org', 'complained', { source: 'fbl' });
    expect(await subscribers.isSuppressed('a@example.org')).toBe(true);
    expect(await subscribers.isSuppressed('b@example.org')).toBe(false);
    expect(await subscribers.isSendable('a@example.org', 'weekly')).toBe(false);
    expect(await recipientsOf(stores(), 'weekly')).toEqual(['b@example.org']);
    // The batched question of a send says the same as the single one.
    const among = [
      'a@example.org',
      'b@example.org',
      'later@example.org',
      'nobody@example.org',
      "o'hara@example.org",
    ];
    expect([...(await subscribers.sendableAmong(among, 'weekly'))]).toEqual(['b@example.org']);
    expect([...(await subscribers.sendableAmong([], 'weekly'))]).toEqual([]);
    expect(await subscribers.memberships('a@example.org')).toEqual([
      { list: 'leaders', status: 'bounced' },
      { list: 'weekly', status: 'bounced' },
    ]);
    expect(
      await subscribers.importSubscribers('weekly', [{ email: 'later@example.org' }], { source: 'import' }),
    ).toEqual({ added: 0, updated: 0, unchanged: 0, keptOut: 1 });
    expect(await subscribers.memberships('later@example.org')).toEqual([
      { list: 'weekly', status: 'complained' },
    ]);
    expect((await engine.consentLog(stores(), 'a@example.org')).at(-1)).toEqual({
      list: null,
      status: 'bounced',
      source: 'smtp-bounce',
    });
  });

  test('streams thousands of subscribers in address order; a reader that stops early gives its connection back', async () => {
    const { subscribers } = stores();
    const rows = Array.from({ length: 2500 }, (_, i) => ({
      email: `p${String(i).padStart(5, '0')}@example.org`,
      attributes: { n: String(i) },
    }));
    await subscribers.importSubscribers('weekly', rows, { source: 'import:big.csv' });
    const streamed = await collect(subscribers.subscribers());
    expect(streamed.length).toBe(2500);
    expect(streamed[2499]).toMatchObject({ email: 'p02499@example.org', attributes: { n: '2499' } });
    for await (const _ of subscribers.recipients('weekly')) break;
    expect((await collect(subscribers.recipients('weekly'))).length).toBe(2500);
  });
}
