import { cpSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { bulletin, repoRoot } from './helpers/cli.js';
import { originOf, startServe } from './helpers/serve.js';
import { commitsInWal } from './helpers/wal.js';
import { tempSite } from './helpers/site.js';

/**
 * A sign-up's rate-limit count, its pending membership and confirmation, and its confirmation
 * mail go to disk in one commit: each commit is an fsync that stops the server's event loop, and a
 * sign-up that waits for three in a row is three times as slow to answer.
 */
test('a sign-up through `bulletin serve` on SQLite is one commit: the count, the sign-up and its mail', async () => {
  const site = tempSite();
  try {
    cpSync(join(repoRoot, 'bulletins'), join(site.root, 'bulletins'), { recursive: true });
    expect(bulletin(['build'], site.root).status).toBe(0);
    // The mail stays in the queue (not due for a minute), so its sending commits nothing meanwhile.
    const server = startServe(site.root, { BULLETIN_SERVICE_MAIL_DELAY_MS: '60000' });
    try {
      const origin = await originOf(server);
      const path = join(site.root, '.bulletin', 'bulletin.db');
      const before = commitsInWal(`${path}-wal`);
      // Nothing else commits meanwhile (the scheduler only reads when nothing is due).
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(commitsInWal(`${path}-wal`)).toEqual(before);

      const answer = await fetch(`${origin}/subscribe`, {
        method: 'POST',
        body: new URLSearchParams({ email: 'one@example.org', lists: 'weekly' }),
      });
      expect(answer.status).toBe(200);
      expect(await answer.text()).toContain('Check your inbox');
      const after = commitsInWal(`${path}-wal`);
      // An empty WAL (as serve leaves it once it has started) gets its first header with this commit.
      if (before.salts !== '') expect(after.salts).toBe(before.salts);
      expect(after.commits - before.commits).toBe(1);

      // And that commit holds all three.
      const db = new Database(path, { readonly: true });
      try {
        const counted = db
          .prepare("SELECT SUM(count) AS n FROM rate_limits WHERE key LIKE 'POST /subscribe|%'")
          .get() as { n: number };
        expect(counted.n).toBe(1);
        expect(db.prepare('SELECT email FROM confirmations').all()).toEqual([{ email: 'one@example.org' }]);
        expect(db.prepare('SELECT kind, recipient FROM service_mail').all()).toEqual([
          { kind: 'confirmation', recipient: 'one@example.org' },
        ]);
      } finally {
        db.close();
      }
    } finally {
      await server.stop();
    }
  } finally {
    site.remove();
  }
});
