import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { serviceOutboxTransport } from '../src/dispatch/transports.js';
import { DEFAULT_MAIL_SENDER, startMailSender } from '../src/service/mail-sender.js';
import { openServiceStores } from '../src/store/sqlite/service-stores.js';
import { commitsInWal } from './helpers/wal.js';

/**
 * `bulletin serve` sends every confirmation it queues. One mail per claim and one per outcome was
 * two commits (each with its fsync) per mail: at 500 sign-ups a second the sender fell behind and
 * its backlog took the CPU of the requests that came next. Mail claimed together and recorded
 * together is two commits per batch.
 */
test('the service mail sender claims mail in batches and records their outcomes together', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bulletin-mail-batches-'));
  const database = join(dir, 'bulletin.db');
  const stores = openServiceStores(database);
  const outbox = serviceOutboxTransport(join(dir, 'outbox'));
  const recipients = Array.from({ length: 48 }, (_, i) => `reader${i}@example.org`);
  const sender = { stop: async () => {} };
  try {
    await Promise.all(
      recipients.map((to) =>
        stores.mailQueue.enqueue(
          {
            kind: 'confirmation',
            recipient: to,
            message: { from: 'news@example.org', to, subject: 'Confirm', text: 'x' },
          },
          new Date(),
        ),
      ),
    );
    const before = commitsInWal(`${database}-wal`);
    const log = Fastify({ logger: false }).log;
    Object.assign(
      sender,
      startMailSender(
        stores.mailQueue,
        outbox,
        log,
        { ...DEFAULT_MAIL_SENDER, pollMs: 20, batchSize: 8 },
        Date.now,
      ),
    );
    const check = new Database(database, { readonly: true });
    const unsent = () =>
      (check.prepare('SELECT COUNT(*) AS n FROM service_mail WHERE sent_at IS NULL').get() as { n: number })
        .n;
    try {
      for (let waited = 0; unsent() > 0 && waited < 20_000; waited += 20)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unsent()).toBe(0);
    } finally {
      check.close();
    }
    await sender.stop();
    const folder = join(dir, 'outbox', 'service');
    const files = existsSync(folder) ? readdirSync(folder).filter((name) => name.endsWith('.eml')) : [];
    // Each recipient once.
    expect(files.map((name) => name.replace(/^.*-\d{4}-/, '')).sort()).toEqual(
      recipients.map((to) => `${to}.eml`).sort(),
    );
    const after = commitsInWal(`${database}-wal`);
    expect(after.salts).toBe(before.salts);
    // Before: 96 (a claim and an outcome per mail). Batches of 8: 2 per 8 mails.
    expect(after.commits - before.commits).toBeLessThanOrEqual(recipients.length / 4);
  } finally {
    await sender.stop();
    await outbox.close();
    await stores.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
