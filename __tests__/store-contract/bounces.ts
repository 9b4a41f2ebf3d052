import type { BounceEvent } from '../../src/bounces/report.js';
import type { Stores } from '../../src/store/stores.js';
import type { StoresUnderTest } from './context.js';

const ISSUE = '2018-05-11';
const POLICY = { softLimit: 3, softDays: 30 };
const T0 = Date.parse('2018-05-11T09:00:00.000Z');
const day = (n: number) => new Date(T0 + n * 86_400_000).toISOString();

let serial = 0;
/** An event with a source id of its own (so it is never a duplicate unless given the same one). */
function event(
  address: string,
  verdict: BounceEvent['verdict'],
  at: string,
  more: Partial<BounceEvent> = {},
) {
  serial++;
  return { source: 'imap', sourceId: `<report-${serial}@mx.example.net>`, address, verdict, at, ...more };
}

async function subscribe(stores: Stores, email: string, lists: readonly string[]): Promise<void> {
  for (const list of lists)
    await stores.subscribers.addSubscriber(list, { email }, 'subscribed', { source: 'cli', at: day(-1) });
}

/** The owner asks to subscribe again and confirms, as the form and the confirmation link do: a suppression is lifted. */
async function confirmAgain(s: Stores, email: string, askedAt: string, confirmedAt: string): Promise<void> {
  const asked = await s.subscribers.requestSubscription({ email }, ['weekly'], {
    source: 'form',
    at: askedAt,
  });
  if (asked.capped) throw new Error('not capped');
  await s.subscribers.confirmSubscription(asked.nonce, email, { source: 'confirm', at: confirmedAt });
}

/** Ledger rows `sent` for these addresses, as a worker's send leaves them. */
async function sent(stores: Stores, list: string, emails: readonly string[]): Promise<void> {
  const { ledger } = stores;
  async function* people() {
    for (const email of emails) yield { email, name: null };
  }
  await ledger.enqueue(ISSUE, list, people());
  await ledger.join(
    ISSUE,
    list,
    { id: `w-${list}`, host: 'host-a', pid: 1 },
    new Date(T0),
    new Date(T0 + 60_000),
  );
  for (const row of await ledger.claim(ISSUE, list, `w-${list}`, emails.length, new Date(T0))) {
    await ledger.begin(ISSUE, list, row.email, `w-${list}`);
    await ledger.finish(ISSUE, list, row.email, `w-${list}`, 'sent', '250 ok');
  }
}

/** Bounces and complaints (issue 14): every engine records and acts on them alike. */
export function bounceContract({ engine, stores, another }: StoresUnderTest): void {
  test('a hard bounce suppresses the address on every list at once, with its evidence in the consent log', async () => {
    const s = stores();
    await subscribe(s, 'gone@example.org', ['weekly', 'monthly']);
    await subscribe(s, 'gone@example.org', ['events']);
    await s.subscribers.setStatus('gone@example.org', 'events', 'unsubscribed', { source: 'one-click' });
    const hard = event('gone@example.org', 'hard', day(0), {
      status: '5.1.1',
      diagnostic: 'smtp; 550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown',
      issue: ISSUE,
      list: 'weekly',
    });
    expect(await s.bounces.record(hard, POLICY)).toBe('suppressed');
    expect(await s.subscribers.isSuppressed('gone@example.org')).toBe(true);
    expect(await s.subscribers.isSendable('gone@example.org', 'monthly')).toBe(false);
    // A "no" already given stays on the record as it was.
    expect(await s.subscribers.memberships('gone@example.org')).toEqual([
      { list: 'events', status: 'unsubscribed' },
      { list: 'monthly', status: 'bounced' },
      { list: 'weekly', status: 'bounced' },
    ]);
    // The export shows it beside each status it explains (and nothing beside the "no" it left as it was).
    const rows = [];
    for await (const row of s.subscribers.subscribers()) if (row.email === 'gone@example.org') rows.push(row);
    expect(rows.map((row) => [row.list, row.statusSource, row.statusEvidence?.status ?? null])).toEqual([
      ['events', 'one-click', null],
      ['monthly', 'bounce:imap', '5.1.1'],
      ['weekly', 'bounce:imap', '5.1.1'],
    ]);
    expect((await engine.evidencedLog(s, 'gone@example.org')).at(-1)).toEqual({
      list: null,
      status: 'bounced',
      source: 'bounce:imap',
      evidence: {
        verdict: 'hard',
        source: 'imap',
        sourceId: hard.sourceId,
        status: '5.1.1',
        diagnostic: hard.diagnostic,
        issue: ISSUE,
        list: 'weekly',
      },
    });
  });

  test('the same event twice (a report read again, a webhook retried) is recorded and acted on once', async () => {
    const s = stores();
    await subscribe(s, 'full@example.org', ['weekly']);
    const soft = event('full@example.org', 'soft', day(0), { status: '4.2.2' });
    expect(await s.bounces.record(soft, POLICY)).toBe('counted');
    const logged = (await engine.evidencedLog(s, 'full@example.org')).length;
    for (let i = 0; i < 3; i++) expect(await s.bounces.record({ ...soft }, POLICY)).toBe('duplicate');
    // Counted once: two more soft bounces reach the limit, not one.
    expect(await s.bounces.record(event('full@example.org', 'soft', day(1)), POLICY)).toBe('counted');
    expect(await s.subscribers.isSendable('full@example.org', 'weekly')).toBe(true);
    expect((await engine.evidencedLog(s, 'full@example.org')).length).toBe(logged);
    const hard = event('full@example.org', 'hard', day(2));
    expect(await s.bounces.record(hard, POLICY)).toBe('suppressed');
    expect(await s.bounces.record(hard, POLICY)).toBe('duplicate');
    expect((await engine.evidencedLog(s, 'full@example.org')).length).toBe(logged + 1);
  });

  test('soft bounces suppress only once softLimit of them fall within softDays', async () => {
    const s = stores();
    await subscribe(s, 'busy@example.org', ['weekly']);
    const soft = (n: number) => s.bounces.record(event('busy@example.org', 'soft', day(n)), POLICY);
    expect(await soft(0)).toBe('counted');
    // 31 days on, the first has left the window.
    expect(await soft(31)).toBe('counted');
    expect(await soft(40)).toBe('counted');
    expect(await s.subscribers.isSendable('busy@example.org', 'weekly')).toBe(true);
    expect(await soft(45)).toBe('suppressed');
    expect(await s.subscribers.memberships('busy@example.org')).toEqual([
      { list: 'weekly', status: 'bounced' },
    ]);
    expect((await engine.evidencedLog(s, 'busy@example.org')).at(-1)).toMatchObject({
      status: 'bounced',
      evidence: { verdict: 'soft' },
    });
  });

  test('soft bounces heard newest first reach the limit as in time order', async () => {
    const s = stores();
    await subscribe(s, 'late@example.org', ['weekly']);
    const soft = (n: number) => s.bounces.record(event('late@example.org', 'soft', day(n)), POLICY);
    expect(await soft(9)).toBe('counted');
    expect(await soft(8)).toBe('counted');
    expect(await s.subscribers.isSendable('late@example.org', 'weekly')).toBe(true);
    // Three within 30 days, though each arrived after the ones that followed it.
    expect(await soft(7)).toBe('suppressed');
    expect(await s.subscribers.isSendable('late@example.org', 'weekly')).toBe(false);
  });

  test('soft bounces from before a reset heard of never count, however late their reports arrive', async () => {
    const s = stores();
    await subscribe(s, 'mended@example.org', ['weekly']);
    const record = (verdict: BounceEvent['verdict'], n: number) =>
      s.bounces.record(event('mended@example.org', verdict, day(n)), POLICY);
    expect(await record('soft', 9)).toBe('counted');
    expect(await record('delivered', 8)).toBe('reset');
    // The mailbox worked on day 8: days 5 to 7, heard only now, are behind it.
    for (const n of [7, 6, 5]) expect(await record('soft', n)).toBe('counted');
    expect(await s.subscribers.isSendable('mended@example.org', 'weekly')).toBe(true);
    expect(await record('soft', 10)).toBe('counted');
    expect(await record('soft', 11)).toBe('suppressed');
  });

  test('a late report of a bounce from before the owner confirmed again does not suppress them again', async () => {
    const s = stores();
    await subscribe(s, 'again@example.org', ['weekly']);
    for (const n of [1, 2, 3]) await s.bounces.record(event('again@example.org', 'soft', day(n)), POLICY);
    expect(await s.subscribers.isSendable('again@example.org', 'weekly')).toBe(false);
    await confirmAgain(s, 'again@example.org', day(9), day(10));
    expect(await s.bounces.record(event('again@example.org', 'soft', day(0)), POLICY)).toBe('counted');
    expect(await s.subscribers.isSendable('again@example.org', 'weekly')).toBe(true);
  });

  test('soft bounces of one send count once, whoever reports them', async () => {
    const s = stores();
    await subscribe(s, 'slow@example.org', ['weekly']);
    const send = { issue: '2026-11-27', list: 'weekly' };
    expect(await s.bounces.record(event('slow@example.org', 'soft', day(0), send), POLICY)).toBe('counted');
    const webhook = { ...event('slow@example.org', 'soft', day(0), send), source: 'mailgun' };
    expect(await s.bounces.record(webhook, POLICY)).toBe('counted');
    expect(await s.bounces.record(event('slow@example.org', 'soft', day(1), send), POLICY)).toBe('counted');
    // Still one send's worth: two more sends' soft bounces reach the limit of three.
    const next = { issue: '2026-12-04', list: 'weekly' };
    expect(await s.bounces.record(event('slow@example.org', 'soft', day(7), next), POLICY)).toBe('counted');
    const third = { issue: '2026-12-11', list: 'weekly' };
    expect(await s.bounces.record(event('slow@example.org', 'soft', day(14), third), POLICY)).toBe(
      'suppressed',
    );
  });

  test('a delivery resets the soft-bounce count, also when its report arrives after later bounces', async () => {
    const s = stores();
    await subscribe(s, 'flaky@example.org', ['weekly']);
    const record = (verdict: BounceEvent['verdict'], n: number) =>
      s.bounces.record(event('flaky@example.org', verdict, day(n)), POLICY);
    expect(await record('soft', 0)).toBe('counted');
    expect(await record('soft', 1)).toBe('counted');
    expect(await record('delivered', 2)).toBe('reset');
    expect(await record('soft', 3)).toBe('counted');
    expect(await record('soft', 4)).toBe('counted');
    expect(await s.subscribers.isSendable('flaky@example.org', 'weekly')).toBe(true);
    // Heard late: the delivery of day 5 is known only now, so day 6's bounce is the first since.
    expect(await record('delivered', 5)).toBe('reset');
    expect(await record('soft', 6)).toBe('counted');
    expect(await record('soft', 7)).toBe('counted');
    expect(await record('soft', 8)).toBe('suppressed');
  });

  test('the owner confirming again lifts a soft-bounce suppression and starts the count anew', async () => {
    const s = stores();
    await subscribe(s, 'back@example.org', ['weekly']);
    for (const n of [0, 1, 2]) await s.bounces.record(event('back@example.org', 'soft', day(n)), POLICY);
    expect(await s.subscribers.isSendable('back@example.org', 'weekly')).toBe(false);
    await confirmAgain(s, 'back@example.org', day(3), day(4));
    expect(await s.subscribers.isSendable('back@example.org', 'weekly')).toBe(true);
    // The three before the confirmation are behind them.
    expect(await s.bounces.record(event('back@example.org', 'soft', day(5)), POLICY)).toBe('counted');
    expect(await s.subscribers.isSendable('back@example.org', 'weekly')).toBe(true);
  });

  test('a complaint unsubscribes from every list and suppresses as complained; a later bounce keeps it so', async () => {
    const s = stores();
    await subscribe(s, 'angry@example.org', ['weekly', 'monthly']);
    await s.subscribers.setStatus('angry@example.org', 'monthly', 'unsubscribed', { source: 'one-click' });
    const complaint = event('angry@example.org', 'complaint', day(0), {
      source: 'ses',
      issue: ISSUE,
      list: 'weekly',
    });
    expect(await s.bounces.record(complaint, POLICY)).toBe('suppressed');
    expect(await s.subscribers.memberships('angry@example.org')).toEqual([
      { list: 'monthly', status: 'complained' },
      { list: 'weekly', status: 'complained' },
    ]);
    expect(await s.subscribers.isSuppressed('angry@example.org')).toBe(true);
    expect((await engine.evidencedLog(s, 'angry@example.org')).at(-1)).toEqual({
      list: null,
      status: 'complained',
      source: 'complaint:ses',
      evidence: {
        verdict: 'complaint',
        source: 'ses',
        sourceId: complaint.sourceId,
        issue: ISSUE,
        list: 'weekly',
      },
    });
    expect(await s.bounces.record(event('angry@example.org', 'hard', day(1)), POLICY)).toBe('suppressed');
    expect((await s.subscribers.memberships('angry@example.org')).map((m) => m.status)).toEqual([
      'complained',
      'complained',
    ]);
    // Nothing brings them back but their own confirmation: an import keeps them out.
    const again = await s.subscribers.importSubscribers('weekly', [{ email: 'angry@example.org' }], {
      source: 'import:all.csv',
    });
    expect(again.keptOut).toBe(1);
    expect(await s.subscribers.isSendable('angry@example.org', 'weekly')).toBe(false);
  });

  test('an address nobody has is recorded and nothing else; nobody is created', async () => {
    const s = stores();
    const stranger = event('stranger@example.org', 'hard', day(0));
    expect(await s.bounces.record(stranger, POLICY)).toBe('unknown-address');
    expect(await s.bounces.record(stranger, POLICY)).toBe('duplicate');
    expect(await s.subscribers.memberships('stranger@example.org')).toEqual([]);
    expect(await s.subscribers.isSuppressed('stranger@example.org')).toBe(false);
  });

  test('an address written in another case reaches its subscriber, and is the same event', async () => {
    const s = stores();
    await subscribe(s, 'ann.lee@example.org', ['weekly']);
    const shouted = event('Ann.Lee@EXAMPLE.ORG', 'hard', day(0));
    expect(await s.bounces.record(shouted, POLICY)).toBe('suppressed');
    expect(await s.bounces.record({ ...shouted, address: 'ann.lee@example.org' }, POLICY)).toBe('duplicate');
    expect(await s.subscribers.isSuppressed('ann.lee@example.org')).toBe(true);
  });

  test('a time that is no time is refused before anything is recorded', async () => {
    const s = stores();
    await subscribe(s, 'late@example.org', ['weekly']);
    const bad = event('late@example.org', 'hard', 'yesterday');
    await expect(s.bounces.record(bad, POLICY)).rejects.toThrow(/has no readable time \("yesterday"\)/);
    expect(await s.bounces.record({ ...bad, at: day(0) }, POLICY)).toBe('suppressed');
  });

  test('soft bounces recorded at once by two connections are counted one after another', async () => {
    const s = stores();
    const other = await another();
    await subscribe(s, 'race@example.org', ['weekly']);
    const actions = await Promise.all(
      [0, 1, 2, 3, 4, 5].map((n) =>
        (n % 2 ? other : s).bounces.record(event('race@example.org', 'soft', day(n / 10)), POLICY),
      ),
    );
    // Whatever the order, exactly two were below the limit and the rest reached it.
    expect(actions.filter((a) => a === 'counted')).toHaveLength(2);
    expect(actions.filter((a) => a === 'suppressed')).toHaveLength(4);
  });

  test('the evidence of any consent change is kept with it', async () => {
    const s = stores();
    await subscribe(s, 'x@example.org', ['weekly']);
    const evidence = { status: '5.1.1', diagnostic: '550 no such user' };
    await s.subscribers.suppress('x@example.org', 'bounced', { source: 'smtp-bounce', evidence });
    expect((await engine.evidencedLog(s, 'x@example.org')).map((entry) => entry.evidence)).toEqual([
      null,
      evidence,
    ]);
  });

  test('counts per list for one issue: sent, delivered, bounced hard and soft, complaints', async () => {
    const s = stores();
    const weekly = ['a@example.org', 'b@example.org', 'c@example.org', 'd@example.org', 'e@example.org'];
    await sent(s, 'weekly', weekly);
    await sent(s, 'monthly', ['a@example.org']);
    const on = { issue: ISSUE, list: 'weekly' };
    for (const e of [
      event('a@example.org', 'hard', day(0), on),
      event('b@example.org', 'soft', day(0), on),
      event('b@example.org', 'soft', day(1), on),
      // Soft then hard: counted once, as hard.
      event('c@example.org', 'soft', day(0), on),
      event('c@example.org', 'hard', day(1), on),
      event('d@example.org', 'complaint', day(1), on),
      // Another issue's, and one attributed to no send: not this issue's numbers.
      event('e@example.org', 'hard', day(0), { issue: '2018-05-04', list: 'weekly' }),
      event('e@example.org', 'soft', day(0)),
    ])
      await s.bounces.record(e, POLICY);
    expect(await s.bounces.counts(ISSUE)).toEqual([
      { list: 'monthly', sent: 1, delivered: 1, hard: 0, soft: 0, complaints: 0 },
      { list: 'weekly', sent: 5, delivered: 2, hard: 2, soft: 1, complaints: 1 },
    ]);
    expect(await s.bounces.counts('2018-06-01')).toEqual([]);
  });
}
