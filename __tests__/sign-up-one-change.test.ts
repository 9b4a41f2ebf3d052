import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type SignUp, type SignUpStore, signUpsOver } from '../src/service/sign-up.js';
import { openSqliteStores } from '../src/store/sqlite/index.js';
import { openServiceStores } from '../src/store/sqlite/service-stores.js';

const HOUR = 3_600_000;
const NOW = new Date('2026-12-02T05:10:00Z');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bulletin-sign-up-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function signUp(email: string, overrides: Partial<SignUp> = {}): SignUp {
  return {
    limit: { key: 'POST /subscribe|127.0.0.1', max: 3, windowMs: HOUR },
    subscriber: { email },
    lists: ['weekly'],
    consent: { source: 'form', at: NOW.toISOString() },
    cap: { max: 2, since: new Date(NOW.getTime() - 24 * HOUR) },
    mailFor: ({ nonce, alreadySubscribed }) => ({
      kind: alreadySubscribed ? 'already-subscribed' : 'confirmation',
      recipient: email,
      message: { to: email, subject: 'Confirm', text: nonce },
    }),
    ...overrides,
  };
}

/** What a database holds of sign-ups: counts, rows and mail. */
function contents(path: string) {
  const db = new Database(path, { readonly: true });
  try {
    const all = (sql: string) => db.prepare(sql).all();
    return {
      counts: all('SELECT key, count FROM rate_limits'),
      confirmations: all('SELECT email FROM confirmations ORDER BY email'),
      memberships: all(
        'SELECT s.email, m.status FROM memberships m JOIN subscribers s ON s.id = m.subscriber_id ORDER BY s.email',
      ),
      mail: all('SELECT kind, recipient FROM service_mail ORDER BY id'),
    };
  } finally {
    db.close();
  }
}

/** The same story through a store: answers, and what is left in the database. */
async function story(signUps: SignUpStore) {
  const answers = [];
  answers.push(await signUps.signUp(signUp('ann@example.org'), NOW));
  answers.push(await signUps.signUp(signUp('ann+2@example.org'), NOW));
  // The mailbox's cap (2) is reached: counted against the client, nothing else.
  answers.push(await signUps.signUp(signUp('ann+3@example.org'), NOW));
  // The client's limit (3) is passed: nothing but the count.
  answers.push(await signUps.signUp(signUp('bob@example.org'), NOW));
  answers.push(
    await signUps.signUp(signUp('cy@example.org', { limit: { key: 'other', max: 3, windowMs: HOUR } }), NOW),
  );
  return answers;
}

test('one change or three commits, a sign-up answers and records the same', async () => {
  const onePath = join(dir, 'one.db');
  const threePath = join(dir, 'three.db');
  // Migrated by the site's stores, as `serve` finds it.
  await (await openSqliteStores(onePath)).close();
  const site = await openSqliteStores(threePath);
  await site.subscribers.addSubscriber('weekly', { email: 'cy@example.org' }, 'subscribed', {
    source: 'test',
  });
  await site.close();
  const one = openServiceStores(onePath);
  await one.subscribers.addSubscriber('weekly', { email: 'cy@example.org' }, 'subscribed', {
    source: 'test',
  });
  const three = openServiceStores(threePath);
  try {
    const answers = await story(one.signUps);
    expect(answers.map((a) => a.outcome)).toEqual(['queued', 'queued', 'capped', 'limited', 'queued']);
    expect(answers.map((a) => a.remaining)).toEqual([2, 1, 0, 0, 2]);
    expect(answers[4]).toMatchObject({ kind: 'already-subscribed' });
    expect(answers[0]!.resetMs).toBe(HOUR - (NOW.getTime() % HOUR));
    expect(await story(signUpsOver(three))).toEqual(answers);
  } finally {
    await one.close();
    await three.close();
  }
  expect(contents(threePath)).toEqual(contents(onePath));
  expect(contents(onePath).mail).toEqual([
    { kind: 'confirmation', recipient: 'ann@example.org' },
    { kind: 'confirmation', recipient: 'ann+2@example.org' },
    { kind: 'already-subscribed', recipient: 'cy@example.org' },
  ]);
});

test('a sign-up whose mail cannot be made leaves nothing behind, not even its count', async () => {
  const path = join(dir, 'one.db');
  await (await openSqliteStores(path)).close();
  const stores = openServiceStores(path);
  try {
    const failing = signUp('ann@example.org', {
      mailFor: () => {
        throw new Error('the template is broken');
      },
    });
    await expect(stores.signUps.signUp(failing, NOW)).rejects.toThrow('the template is broken');
    // The next change of the same commit is unaffected.
    expect((await stores.signUps.signUp(signUp('bob@example.org'), NOW)).outcome).toBe('queued');
  } finally {
    await stores.close();
  }
  expect(contents(path)).toEqual({
    counts: [{ key: 'POST /subscribe|127.0.0.1', count: 1 }],
    confirmations: [{ email: 'bob@example.org' }],
    memberships: [{ email: 'bob@example.org', status: 'pending' }],
    mail: [{ kind: 'confirmation', recipient: 'bob@example.org' }],
  });
});
