import { mailboxOf } from '../../src/support/email-address.js';
import type { Stores } from '../../src/store/stores.js';
import type { SubscriberRecord } from '../../src/subscribers/store.js';
import type { Engine } from '../helpers/engines.js';

const all = async (records: AsyncIterable<SubscriberRecord>) => {
  const out: SubscriberRecord[] = [];
  for await (const record of records) out.push(record);
  return out;
};

const recipientsOf = async (stores: Stores, list: string) => {
  const out: string[] = [];
  for await (const recipient of stores.subscribers.recipients(list)) out.push(recipient.email);
  return out;
};

/** The subscriber store, the consent log and the suppression list: what every engine must do alike. */
export function subscriberContract(engine: Engine, stores: () => Stores): void {
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

    const rows = await all(subscribers.subscribers('weekly'));
    expect(rows.map((r) => [r.email, r.name, r.status, r.statusSource])).toEqual([
      ['a@example.org', 'A', 'subscribed', 'import:one.csv'],
      // The name is kept up to date; the "no" stands.
      ['b@example.org', 'B', 'unsubscribed', 'one-click'],
      ['c@example.org', null, 'subscribed', 'import:two.csv'],
    ]);
    expect(rows[0]!.attributes).toEqual({ org: 'Leeds' });
    expect(rows[1]!.statusAt).toBe('2018-05-02T10:00:00.000Z');
    expect((await all(subscribers.subscribers())).map((r) => `${r.list}:${r.email}`)).toEqual([
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
    expect((await all(subscribers.subscribers('weekly')))[0]!.name).toBe('Ann');
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

  test('a confirmation cap is counted and recorded in one change, per mailbox', async () => {
    const { subscribers } = stores();
    const cap = { max: 2, since: new Date(Date.now() - 60_000) };
    const spellings = ['victim@example.org', 'victim+1@example.org', 'victim+2@example.org'];
    const answers = await Promise.all(
      spellings.map((email) =>
        subscribers.requestSubscription({ email }, ['weekly'], { source: 'form' }, cap),
      ),
    );
    // Which of them passes is not promised (concurrent transactions finish in any order); how many is.
    expect(answers.filter((answer) => !answer.capped)).toHaveLength(2);
    expect(await subscribers.confirmationsSince('victim@example.org', cap.since)).toBe(2);
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
