import type { Stores } from '../../src/store/stores.js';
import type { SubscriberRecord } from '../../src/subscribers/store.js';
import { mailboxOf } from '../../src/support/email-address.js';

/** An engine as the behaviours need it: fresh stores, and a second, independent opening of the same database. */
export interface Engine {
  open(): Promise<Stores>;
  /** Another set of stores (its own connections, as another process would have) on the database of `stores`. */
  sameDatabase(stores: Stores): Promise<Stores>;
}

export const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

/** The subscriber store's behaviours (as __tests__/subscribers.test.ts checks them on SQLite). */
export function subscriberBehaviours({ open, sameDatabase }: Engine): void {
  test('imports all-or-nothing, never resubscribes, and a suppression keeps an address out', async () => {
    const { subscribers: store } = await open();
    const first = await store.importSubscribers(
      'weekly',
      [{ email: 'a@example.org', name: 'A' }, { email: 'b@example.org' }],
      { source: 'import:one.csv', at: '2018-05-01T09:00:00.000Z' },
    );
    expect(first).toEqual({ added: 2, updated: 0, unchanged: 0, keptOut: 0 });
    const again = [{ email: 'a@example.org', name: 'A' }, { email: 'b@example.org' }];
    expect(await store.importSubscribers('weekly', again, { source: 'import:one.csv' })).toEqual({
      added: 0,
      updated: 0,
      unchanged: 2,
      keptOut: 0,
    });
    const unsubscribe = { source: 'one-click', at: '2018-05-02T10:00:00.000Z' };
    expect(await store.setStatus('b@example.org', 'weekly', 'unsubscribed', unsubscribe)).toBe(true);
    expect(await store.setStatus('b@example.org', 'weekly', 'pending', { source: 'x' }, ['subscribed'])).toBe(
      false,
    );
    expect(await store.setStatus('nobody@example.org', 'weekly', 'subscribed', { source: 'x' })).toBe(false);
    const second = [{ email: 'b@example.org', name: 'B' }, { email: 'c@example.org' }];
    expect(await store.importSubscribers('weekly', second, { source: 'import:two.csv' })).toEqual({
      added: 1,
      updated: 0,
      unchanged: 0,
      keptOut: 1,
    });
    const added = await store.addSubscriber('weekly', { email: 'b@example.org' }, 'subscribed', {
      source: 'cli',
    });
    expect(added).toEqual({ created: false, status: 'unsubscribed' });

    await store.suppress('c@example.org', 'bounced', { source: 'smtp-bounce' });
    expect(await store.isSuppressed('c@example.org')).toBe(true);
    expect(await store.isSendable('c@example.org', 'weekly')).toBe(false);
    expect(await store.isSendable('a@example.org', 'weekly')).toBe(true);
    const third = await store.importSubscribers('leaders', [{ email: 'c@example.org' }], {
      source: 'import:3',
    });
    expect(third).toEqual({ added: 0, updated: 0, unchanged: 0, keptOut: 1 });

    const rows = await collect(store.subscribers('weekly'));
    expect(rows.map((r) => [r.email, r.status, r.statusSource])).toEqual([
      ['a@example.org', 'subscribed', 'import:one.csv'],
      ['b@example.org', 'unsubscribed', 'one-click'],
      ['c@example.org', 'bounced', 'smtp-bounce'],
    ]);
    expect(rows[1]!.statusAt).toBe('2018-05-02T10:00:00.000Z');
    expect(rows[0]!.attributes).toEqual({});
    expect(await store.counts()).toEqual([
      { list: 'leaders', status: 'bounced', count: 1 },
      { list: 'weekly', status: 'bounced', count: 1 },
      { list: 'weekly', status: 'subscribed', count: 1 },
      { list: 'weekly', status: 'unsubscribed', count: 1 },
    ]);
    expect(await collect(store.recipients('weekly'))).toEqual([{ email: 'a@example.org', name: 'A' }]);
    expect(await store.memberships('c@example.org')).toEqual([
      { list: 'leaders', status: 'bounced' },
      { list: 'weekly', status: 'bounced' },
    ]);
  });

  test('an import that fails midway leaves nothing behind', async () => {
    const { subscribers: store } = await open();
    const rows = [
      { email: 'a@example.org' },
      { email: 'b@example.org', attributes: { bad: 1n as unknown as string } },
    ];
    await expect(store.importSubscribers('weekly', rows, { source: 'import:x.csv' })).rejects.toThrow();
    expect(await store.counts()).toEqual([]);
  });

  test('streams thousands of subscribers in address order, attributes parsed', async () => {
    const { subscribers: store } = await open();
    const rows = Array.from({ length: 2500 }, (_, i) => ({
      email: `p${String(i).padStart(5, '0')}@example.org`,
      attributes: { n: String(i) },
    }));
    await store.importSubscribers('weekly', rows, { source: 'import:big.csv' });
    const streamed: SubscriberRecord[] = await collect(store.subscribers());
    expect(streamed.length).toBe(2500);
    expect(streamed[2499]).toMatchObject({ email: 'p02499@example.org', attributes: { n: '2499' } });
    // A reader that stops early gives its connection back: the pool still serves afterwards.
    for await (const _ of store.recipients('weekly')) break;
    expect((await collect(store.recipients('weekly'))).length).toBe(2500);
  });

  test('double opt-in: pending until confirmed once, the name waits, a confirmation lifts a suppression', async () => {
    const { subscribers: store } = await open();
    await store.addSubscriber('weekly', { email: 'kept@example.org', name: 'Kept' }, 'subscribed', {
      source: 'cli',
    });
    const request = await store.requestSubscription(
      { email: 'kept@example.org', name: 'Mallory' },
      ['weekly', 'news'],
      {
        source: 'form',
      },
    );
    expect(request).toMatchObject({ capped: false, alreadySubscribed: false });
    expect(await store.memberships('kept@example.org')).toEqual([
      { list: 'news', status: 'pending' },
      { list: 'weekly', status: 'subscribed' },
    ]);
    const [record] = await collect(store.subscribers('weekly'));
    expect(record!.name).toBe('Kept');
    await store.suppress('kept@example.org', 'unsubscribed', { source: 'everywhere' });
    if (request.capped) throw new Error('unexpected cap');
    expect(await store.confirmSubscription(request.nonce, 'other@example.org', { source: 'link' })).toEqual({
      outcome: 'unknown',
    });
    expect(await store.confirmSubscription(request.nonce, 'kept@example.org', { source: 'link' })).toEqual({
      outcome: 'confirmed',
      lists: ['weekly', 'news'],
    });
    expect(await store.confirmSubscription(request.nonce, 'kept@example.org', { source: 'link' })).toEqual({
      outcome: 'used',
    });
    expect(await store.isSuppressed('kept@example.org')).toBe(false);
    expect(await store.isSendable('kept@example.org', 'news')).toBe(true);
    const [renamed] = await collect(store.subscribers('news'));
    expect(renamed!.name).toBe('Mallory');
    const again = await store.requestSubscription({ email: 'kept@example.org' }, ['news'], {
      source: 'form',
    });
    expect(again).toMatchObject({ capped: false, alreadySubscribed: true });
  });

  test('the confirmation cap counts +tags and Gmail spellings, and capped requests record nothing', async () => {
    const { subscribers: store } = await open();
    const typed = [
      'victim@gmail.com',
      'v.ictim@gmail.com',
      'victim+x@googlemail.com',
      'vic.tim@googlemail.com',
      'victim@example.org',
      'v.ictim@example.org',
      'victim+a@example.org',
      'victim2@gmail.com',
      'wictim@gmail.com',
    ];
    for (const email of typed) await store.requestSubscription({ email }, ['weekly'], { source: 'test' });
    const since = new Date(Date.now() - 60_000);
    for (const email of typed) {
      const expected = typed.filter((other) => mailboxOf(other) === mailboxOf(email)).length;
      expect([email, await store.confirmationsSince(email, since)]).toEqual([email, expected]);
    }
    const cap = { max: 4, since };
    expect(
      await store.requestSubscription({ email: 'vict.im@gmail.com' }, ['weekly'], { source: 't' }, cap),
    ).toEqual({
      capped: true,
    });
    expect(await store.memberships('vict.im@gmail.com')).toEqual([]);
  });

  test('purging unconfirmed sign-ups removes stale pending ones and their unused confirmations only', async () => {
    const { subscribers: store } = await open();
    const old = { source: 'form', at: '2020-01-01T00:00:00.000Z' };
    await store.requestSubscription({ email: 'old@example.org', name: 'Old' }, ['weekly'], old);
    await store.requestSubscription({ email: 'new@example.org' }, ['weekly'], { source: 'form' });
    const purged = await store.purgeUnconfirmed(new Date('2021-01-01T00:00:00Z'), { source: 'purge' });
    expect(purged).toEqual({ memberships: 1, confirmations: 1 });
    expect(await store.memberships('old@example.org')).toEqual([]);
    expect(await store.memberships('new@example.org')).toEqual([{ list: 'weekly', status: 'pending' }]);
  });

  test('requests arriving together from two servers never pass the cap', async () => {
    const first = await open();
    const second = await sameDatabase(first);
    const since = new Date(Date.now() - 60_000);
    const cap = { max: 3, since };
    const requests = Array.from({ length: 12 }, (_, i) =>
      (i % 2 ? first : second).subscribers.requestSubscription(
        { email: `same+${i}@example.org` },
        ['weekly'],
        { source: 'form' },
        cap,
      ),
    );
    const outcomes = await Promise.all(requests);
    expect(outcomes.filter((outcome) => !outcome.capped).length).toBe(3);
    expect(await first.subscribers.confirmationsSince('same@example.org', since)).toBe(3);
    await second.close();
  });
}
