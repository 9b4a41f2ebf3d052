import { mailboxOf } from '../../src/support/email-address.js';
import type { StoresUnderTest } from './context.js';
import { collect } from './subscribers.js';

/** Sign-ups by double opt-in: requests, confirmations, the confirmation cap and the purge of stale ones. */
export function signUpContract({ engine, stores, another }: StoresUnderTest): void {
  test('a subscription request is pending until its confirmation, which works once and lifts a suppression', async () => {
    const { subscribers } = stores();
    await subscribers.suppress('a@example.org', 'unsubscribed', { source: 'one-click' });
    const request = await subscribers.requestSubscription(
      { email: 'a@example.org', name: 'Ann' },
      ['weekly'],
      {
        source: 'form',
      },
    );
    if (request.capped) throw new Error('not capped');
    expect(request.alreadySubscribed).toBe(false);
    expect(
      await subscribers.confirmSubscription(request.nonce, 'b@example.org', { source: 'confirm' }),
    ).toEqual({
      outcome: 'unknown',
    });
    expect(
      await subscribers.confirmSubscription('no-such-nonce', 'a@example.org', { source: 'confirm' }),
    ).toEqual({
      outcome: 'unknown',
    });
    expect(
      await subscribers.confirmSubscription(request.nonce, 'a@example.org', { source: 'confirm' }),
    ).toEqual({
      outcome: 'confirmed',
      lists: ['weekly'],
    });
    expect(
      await subscribers.confirmSubscription(request.nonce, 'a@example.org', { source: 'confirm' }),
    ).toEqual({
      outcome: 'used',
    });
    expect(await subscribers.isSuppressed('a@example.org')).toBe(false);
    expect(await subscribers.isSendable('a@example.org', 'weekly')).toBe(true);
    expect((await collect(subscribers.subscribers('weekly')))[0]!.name).toBe('Ann');
    expect((await engine.consentLog(stores(), 'a@example.org')).map((e) => e.status)).toEqual([
      'unsubscribed',
      'suppression-lifted',
      'subscribed',
    ]);
    const again = await subscribers.requestSubscription({ email: 'a@example.org' }, ['weekly'], {
      source: 'form',
    });
    expect(again).toMatchObject({ capped: false, alreadySubscribed: true });
  });

  test('a request for an address already on a list leaves that list and its name as they are until confirmed', async () => {
    const { subscribers } = stores();
    await subscribers.addSubscriber('weekly', { email: 'kept@example.org', name: 'Kept' }, 'subscribed', {
      source: 'cli',
    });
    const request = await subscribers.requestSubscription(
      { email: 'kept@example.org', name: 'Mallory' },
      ['weekly', 'news'],
      { source: 'form' },
    );
    expect(request).toMatchObject({ capped: false, alreadySubscribed: false });
    expect(await subscribers.memberships('kept@example.org')).toEqual([
      { list: 'news', status: 'pending' },
      { list: 'weekly', status: 'subscribed' },
    ]);
    // Anyone can type an address into a form: its name changes only once its owner confirms.
    expect((await collect(subscribers.subscribers('weekly')))[0]!.name).toBe('Kept');
    if (request.capped) throw new Error('not capped');
    expect(
      await subscribers.confirmSubscription(request.nonce, 'kept@example.org', { source: 'confirm' }),
    ).toEqual({ outcome: 'confirmed', lists: ['weekly', 'news'] });
    expect(await subscribers.isSendable('kept@example.org', 'news')).toBe(true);
    expect((await collect(subscribers.subscribers('news')))[0]!.name).toBe('Mallory');
  });

  test('requests arriving together from two servers never pass the confirmation cap; a capped one records nothing', async () => {
    const second = await another();
    const since = new Date(Date.now() - 60_000);
    const cap = { max: 3, since };
    const requests = Array.from({ length: 12 }, (_, i) =>
      (i % 2 ? stores() : second).subscribers.requestSubscription(
        { email: `same+${i}@example.org` },
        ['weekly'],
        { source: 'form' },
        cap,
      ),
    );
    // Which of them pass is not promised (concurrent transactions finish in any order); how many is.
    const outcomes = await Promise.all(requests);
    expect(outcomes.filter((outcome) => !outcome.capped)).toHaveLength(3);
    expect(await stores().subscribers.confirmationsSince('same@example.org', since)).toBe(3);
    const capped = outcomes.findIndex((outcome) => outcome.capped);
    expect(await stores().subscribers.memberships(`same+${capped}@example.org`)).toEqual([]);
  });

  test('the confirmation count agrees with mailboxOf for +tags, Gmail dots and googlemail.com', async () => {
    const { subscribers } = stores();
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
    for (const email of typed)
      await subscribers.requestSubscription({ email }, ['weekly'], { source: 'test' });
    const since = new Date(Date.now() - 60_000);
    for (const email of typed) {
      const expected = typed.filter((other) => mailboxOf(other) === mailboxOf(email)).length;
      expect([email, await subscribers.confirmationsSince(email, since)]).toEqual([email, expected]);
    }
    expect(await subscribers.confirmationsSince('victim@gmail.com', new Date(Date.now() + 60_000))).toBe(0);
    // Stored as typed: the merge is for counting only.
    expect(await subscribers.memberships('v.ictim@gmail.com')).toEqual([
      { list: 'weekly', status: 'pending' },
    ]);
  });

  test('purging removes sign-ups left unconfirmed and their old confirmations; the consent log keeps them', async () => {
    const { subscribers } = stores();
    const old = { source: 'form', at: '2018-05-01T09:00:00.000Z' };
    await subscribers.requestSubscription({ email: 'old@example.org', name: 'Old' }, ['weekly'], old);
    const recent = await subscribers.requestSubscription({ email: 'new@example.org' }, ['weekly'], {
      source: 'form',
      at: '2018-05-20T09:00:00.000Z',
    });
    await subscribers.importSubscribers('weekly', [{ email: 'kept@example.org' }], old);
    const purged = await subscribers.purgeUnconfirmed(new Date('2018-05-10T00:00:00.000Z'), {
      source: 'purge',
    });
    expect(purged).toEqual({ memberships: 1, confirmations: 1 });
    expect(await subscribers.memberships('old@example.org')).toEqual([]);
    expect(await subscribers.memberships('new@example.org')).toEqual([{ list: 'weekly', status: 'pending' }]);
    expect(await subscribers.memberships('kept@example.org')).toEqual([
      { list: 'weekly', status: 'subscribed' },
    ]);
    expect((await engine.consentLog(stores(), 'old@example.org')).map((e) => e.status)).toEqual([
      'pending',
      'pending-expired',
    ]);
    if (recent.capped) throw new Error('not capped');
    expect(
      await subscribers.confirmSubscription(recent.nonce, 'new@example.org', { source: 'confirm' }),
    ).toEqual({
      outcome: 'confirmed',
      lists: ['weekly'],
    });
  });
}
