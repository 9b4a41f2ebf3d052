import { appendFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { signToken } from '../src/dispatch/tokens.js';
import { SqliteSubscriberStore } from '../src/store/sqlite/subscribers.js';
import { bulletin, repoRoot } from './helpers/cli.js';
import { originOf, startServe } from './helpers/serve.js';
import { tempSite } from './helpers/site.js';

const SECRET = 'serve-durable-test-secret-of-forty-eight-chars!!';
const MANY = 40;

/**
 * `bulletin serve`'s stores share one connection and one group commit (sign-ups, their mail and
 * the rate-limit counts commit together): an answer must still mean "on disk". Requests arrive all
 * at once, so they share commits; the server is killed (-9) the moment the last answer is read.
 */
test('sign-ups and one-click unsubscribes answered together are all in the database after a kill -9', async () => {
  const site = tempSite();
  try {
    cpSync(join(repoRoot, 'bulletins'), join(site.root, 'bulletins'), { recursive: true });
    // One test client sends more sign-ups than one address may in an hour.
    appendFileSync(
      join(site.root, 'bulletin.config.yaml'),
      '\nservice:\n  limits:\n    subscribePerAddressPerHour: 1000\n',
    );
    expect(bulletin(['build', '--all'], site.root).status).toBe(0);
    const path = join(site.root, '.bulletin', 'bulletin.db');
    const readers = Array.from({ length: MANY }, (_, i) => ({ email: `reader${i}@example.org` }));
    const seed = new SqliteSubscriberStore(path);
    await seed.importSubscribers('weekly', readers, { source: 'test' });
    await seed.close();

    const server = startServe(site.root, {
      BULLETIN_SECRET: SECRET,
      BULLETIN_SERVICE_MAIL_DELAY_MS: '60000',
    });
    const origin = await originOf(server);
    const issuedAt = Math.floor(Date.now() / 1000);
    const answers = await Promise.all([
      ...readers.map((r) =>
        fetch(
          `${origin}/unsubscribe?token=${signToken(SECRET, { purpose: 'unsubscribe', email: r.email, list: 'weekly', issuedAt })}`,
          { method: 'POST', body: new URLSearchParams({ 'List-Unsubscribe': 'One-Click' }) },
        ),
      ),
      ...readers.map((_, i) =>
        fetch(`${origin}/subscribe`, {
          method: 'POST',
          body: new URLSearchParams({ email: `new${i}@example.org`, lists: 'weekly' }),
        }),
      ),
    ]);
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    expect((await server.kill('SIGKILL')).status).toBe(128);

    const store = new SqliteSubscriberStore(path);
    try {
      for (const reader of readers)
        expect(await store.memberships(reader.email)).toEqual([{ list: 'weekly', status: 'unsubscribed' }]);
      for (let i = 0; i < MANY; i++)
        expect(await store.memberships(`new${i}@example.org`)).toEqual([
          { list: 'weekly', status: 'pending' },
        ]);
    } finally {
      await store.close();
    }
    const db = new Database(path, { readonly: true });
    try {
      const queued = db.prepare("SELECT recipient FROM service_mail WHERE kind = 'confirmation'").all() as {
        recipient: string;
      }[];
      expect(queued.map((q) => q.recipient).sort()).toEqual(
        Array.from({ length: MANY }, (_, i) => `new${i}@example.org`).sort(),
      );
      const counted = db
        .prepare("SELECT SUM(count) AS n FROM rate_limits WHERE key LIKE '%/subscribe%'")
        .get() as {
        n: number;
      };
      expect(counted.n).toBe(MANY);
    } finally {
      db.close();
    }
  } finally {
    site.remove();
  }
}, 120_000);
