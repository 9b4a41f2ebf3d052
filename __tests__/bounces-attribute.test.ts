import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attributeReport } from '../src/bounces/attribute.js';
import type { BounceReport, ReportedRecipient } from '../src/bounces/report.js';
import { verpToken } from '../src/dispatch/verp.js';
import { SqliteSubscriberStore } from '../src/store/sqlite/subscribers.js';

const SECRET = 'attribute-test-secret';
const ISSUE = '2018-05-11';
const NOW = new Date('2018-05-12T08:00:00.000Z');
const DIGEST = 'a'.repeat(64);

let dir: string;
let store: SqliteSubscriberStore;
let ids: Record<string, number>;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bulletin-attribute-'));
  store = new SqliteSubscriberStore(join(dir, 'bulletin.db'));
  const people = ['ann@example.org', 'bob@example.org', 'cy@example.org'];
  await store.importSubscribers(
    'weekly',
    people.map((email) => ({ email })),
    { source: 'test' },
  );
  ids = Object.fromEntries(
    await Promise.all(people.map(async (email) => [email, (await store.idOf(email))!])),
  );
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const context = () => ({
  secrets: [SECRET],
  lists: ['weekly', 'leaders'],
  emailOf: (id: number) => store.emailOf(id),
  source: 'imap',
  rawDigest: DIGEST,
  now: NOW,
});
const tokenFor = (email: string, secret = SECRET, list = 'weekly') =>
  verpToken(secret, { issue: ISSUE, list, subscriberId: ids[email]! });
const report = (recipients: ReportedRecipient[], bounceTokens: string[], more: Partial<BounceReport> = {}) =>
  ({ format: 'dsn', messageId: '<dsn-1@mx.example.net>', bounceTokens, recipients, ...more }) as BounceReport;
const hard = (address: string): ReportedRecipient => ({
  address,
  status: '5.1.1',
  diagnostic: 'smtp; 550 5.1.1 User unknown',
  verdict: 'hard',
});
const soft = (address: string): ReportedRecipient => ({
  address,
  status: '4.2.2',
  diagnostic: 'smtp; 452 4.2.2 Mailbox full',
  verdict: 'soft',
});

test('a valid token attributes the report to its subscriber, even when the reported address differs', async () => {
  // Ann forwards to another mailbox, and that one bounced: the notice names the forwarded address only.
  const result = await attributeReport(
    report([hard('ann.smith@elsewhere.example')], [tokenFor('ann@example.org')]),
    context(),
  );
  expect(result).toEqual({
    events: [
      {
        source: 'imap',
        sourceId: '<dsn-1@mx.example.net>',
        address: 'ann@example.org',
        verdict: 'hard',
        status: '5.1.1',
        diagnostic: 'smtp; 550 5.1.1 User unknown',
        issue: ISSUE,
        list: 'weekly',
        at: NOW.toISOString(),
      },
    ],
    skipped: [],
  });
});

test('an upper-cased token still attributes; without a Message-ID the raw digest counts it once', async () => {
  const upper = tokenFor('bob@example.org', SECRET, 'leaders').toUpperCase();
  const result = await attributeReport(
    report([soft('bob@example.org')], [upper], { messageId: undefined }),
    context(),
  );
  expect(result.events).toEqual([
    expect.objectContaining({
      address: 'bob@example.org',
      verdict: 'soft',
      list: 'leaders',
      sourceId: `sha256:${DIGEST}`,
    }),
  ]);
});

test('a forged report naming a subscriber’s address without a token acts on nobody', async () => {
  const noToken = await attributeReport(report([hard('ann@example.org')], []), context());
  expect(noToken.events).toEqual([]);
  expect(noToken.skipped).toEqual([
    { address: 'ann@example.org', reason: expect.stringMatching(/no bounce token/) },
  ]);
  // A made-up token, and a real one with a character changed, are no better.
  const genuine = tokenFor('ann@example.org');
  const changed = `${genuine.slice(0, 3)}${genuine[3] === 'a' ? 'b' : 'a'}${genuine.slice(4)}`;
  for (const bad of ['abcdefghijklmnopqrstuvwx', changed, 'not a token']) {
    const result = await attributeReport(report([hard('ann@example.org')], [bad]), context());
    expect(result.events).toEqual([]);
    expect(result.skipped).toEqual([
      { address: 'ann@example.org', reason: expect.stringMatching(/bounce token .*(forged|malformed)/) },
    ]);
  }
});

test('a token signed with another secret is skipped', async () => {
  const result = await attributeReport(
    report([hard('ann@example.org')], [tokenFor('ann@example.org', 'another-site-secret')]),
    context(),
  );
  expect(result.events).toEqual([]);
  expect(result.skipped).toEqual([{ address: 'ann@example.org', reason: expect.stringMatching(/forged/) }]);
  // Read with the previous secret after a rotation, it counts.
  const rotated = await attributeReport(
    report([hard('ann@example.org')], [tokenFor('ann@example.org', 'the-old-secret')]),
    { ...context(), secrets: [SECRET, 'the-old-secret'] },
  );
  expect(rotated.events.map((e) => [e.address, e.verdict])).toEqual([['ann@example.org', 'hard']]);
});

test('an auto-reply, or a notice with no readable verdict, is skipped even with a valid token', async () => {
  const token = tokenFor('cy@example.org');
  const away = await attributeReport(
    report([{ address: 'cy@example.org', verdict: 'auto-reply' }], [token], { format: 'auto-reply' }),
    context(),
  );
  expect(away.events).toEqual([]);
  expect(away.skipped).toEqual([
    { address: 'cy@example.org', reason: expect.stringMatching(/automatic reply/) },
  ]);
  const unreadable = await attributeReport(
    report([{ address: 'cy@example.org', verdict: 'unknown' }], [token], { format: 'notice' }),
    context(),
  );
  expect(unreadable.events).toEqual([]);
  expect(unreadable.skipped).toEqual([
    { address: 'cy@example.org', reason: expect.stringMatching(/no verdict/) },
  ]);
  const empty = await attributeReport(report([], [token], { format: 'unknown' }), context());
  expect(empty.events).toEqual([]);
  expect(empty.skipped).toEqual([{ address: 'cy@example.org', reason: expect.stringMatching(/no verdict/) }]);
});

test('several recipients with mixed verdicts: each token takes its own line, or is skipped', async () => {
  const both = await attributeReport(
    report(
      [hard('ann@example.org'), soft('bob@example.org')],
      [tokenFor('ann@example.org'), tokenFor('bob@example.org')],
    ),
    context(),
  );
  expect(both.events.map((e) => [e.address, e.verdict, e.status])).toEqual([
    ['ann@example.org', 'hard', '5.1.1'],
    ['bob@example.org', 'soft', '4.2.2'],
  ]);
  expect(both.skipped).toEqual([]);

  // One token, two forwarded addresses that fared differently: which one was Ann's cannot be told.
  const unclear = await attributeReport(
    report([hard('a1@elsewhere.example'), soft('a2@elsewhere.example')], [tokenFor('ann@example.org')]),
    context(),
  );
  expect(unclear.events).toEqual([]);
  expect(unclear.skipped).toEqual([
    { address: 'ann@example.org', reason: expect.stringMatching(/different verdicts/) },
  ]);

  // Two forwarded addresses that fared alike: the verdict is the same whichever was Ann's.
  const alike = await attributeReport(
    report([hard('a1@elsewhere.example'), hard('a2@elsewhere.example')], [tokenFor('ann@example.org')]),
    context(),
  );
  expect(alike.events.map((e) => [e.address, e.verdict])).toEqual([['ann@example.org', 'hard']]);

  // A valid token beside a forged one: the valid one counts, the forged one is reported.
  const mixed = await attributeReport(
    report(
      [hard('ann@example.org'), hard('bob@example.org')],
      [tokenFor('ann@example.org'), tokenFor('bob@example.org', 'x')],
    ),
    context(),
  );
  expect(mixed.events.map((e) => e.address)).toEqual(['ann@example.org']);
  expect(mixed.skipped).toEqual([{ address: '', reason: expect.stringMatching(/forged/) }]);
});

test('a token for a subscriber no longer in the database is skipped', async () => {
  const token = verpToken(SECRET, { issue: ISSUE, list: 'weekly', subscriberId: 999_999 });
  const result = await attributeReport(report([hard('gone@example.org')], [token]), context());
  expect(result.events).toEqual([]);
  expect(result.skipped).toEqual([
    { address: 'gone@example.org', reason: expect.stringMatching(/no subscriber 999999/) },
  ]);
});
