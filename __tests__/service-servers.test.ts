import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/store/sqlite/open.js';
import { SqliteRateLimits } from '../src/store/sqlite/rate-limits.js';
import { bulletin, repoRoot } from './helpers/cli.js';
import { originOf, startServe, type RunningServe } from './helpers/serve.js';
import { removeArchive, startService } from './helpers/service.js';
import { SITE_ENGINES } from './helpers/site-database.js';
import { tempSite } from './helpers/site.js';

const HOUR = 3_600_000;

test('processes opening a new database at once migrate it once (each step in a write transaction)', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'bulletin-migrate-race-'));
  const file = join(folder, 'bulletin.db');
  const opener = join(repoRoot, 'lib', 'src', 'store', 'sqlite', 'open.js');
  const script = `import(${JSON.stringify(opener)}).then((m) => m.openDatabase(${JSON.stringify(file)}).close())`;
  try {
    const exits = await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          new Promise<{ code: number | null; stderr: string }>((resolve) => {
            const child = spawn(process.execPath, ['-e', script]);
            let stderr = '';
            child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
            child.once('close', (code) => resolve({ code, stderr }));
          }),
      ),
    );
    expect(exits).toEqual(Array.from({ length: 4 }, () => ({ code: 0, stderr: '' })));
    const db = openDatabase(file);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'subscribers'").get()).toEqual({
      n: 1,
    });
    db.close();
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

afterAll(removeArchive);

test('at start and every hour, the service deletes the counts of rate-limit windows that have ended', async () => {
  const service = await startService(() => undefined, {
    async seed(_store, database) {
      const db = openDatabase(database);
      const limits = new SqliteRateLimits(db);
      await limits.hit('bad-link|10.0.0.1', HOUR, new Date(Date.now() - 2 * HOUR));
      await limits.hit('bad-link|10.0.0.2', HOUR, new Date(Date.now() - 2 * HOUR));
      await limits.hit('bad-link|10.0.0.1', HOUR, new Date());
      db.close();
    },
  });
  try {
    for (let i = 0; i < 100 && !service.logs.some((l) => l.includes('"purged"')); i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(JSON.parse(service.logs.find((l) => l.includes('"purged"'))!)).toMatchObject({
      rateLimitWindows: 2,
    });
    const db = openDatabase(join(service.root, '.bulletin', 'bulletin.db'));
    expect(db.prepare('SELECT key FROM rate_limits').all()).toEqual([{ key: 'bad-link|10.0.0.1' }]);
    db.close();
  } finally {
    await service.close();
  }
});

/**
 * The limits count in fixed clock-hour windows: a test that crossed an hour would see the count
 * start again half-way, so one that starts in the last two minutes of an hour waits for the next.
 */
async function awayFromTheHourBoundary(): Promise<void> {
  const left = HOUR - (Date.now() % HOUR);
  if (left < 120_000) await new Promise((resolve) => setTimeout(resolve, left + 1000));
}

/**
 * The addresses the service mailed (the outbox's service folder, shared by both servers: one file
 * a message), once `expected` have arrived and the senders have had time to mail any twice.
 */
async function confirmationsOnceSettled(root: string, expected: number): Promise<string[]> {
  const folder = join(root, '.bulletin', 'outbox', 'service');
  const mailed = () =>
    // A message being written is `NAME.eml.tmp` until it is renamed: not mailed yet.
    (existsSync(folder) ? readdirSync(folder) : [])
      .flatMap((name) => /-\d{4}-(.+)\.eml$/.exec(name)?.[1] ?? [])
      .sort();
  for (let waited = 0; mailed().length < expected && waited < 30_000; waited += 100)
    await new Promise((resolve) => setTimeout(resolve, 100));
  // Each sender polls the queue every 5 seconds besides being woken: both have looked by now.
  await new Promise((resolve) => setTimeout(resolve, 6000));
  return mailed();
}

/** Two servers over one database, on each engine: SQLite's file, or PostgreSQL through BULLETIN_DATABASE. */
describe.each(SITE_ENGINES)('on $name', (engine) => {
  if (engine.skip) {
    test.skip(`${engine.name}: ${engine.skip}`, () => undefined);
    return;
  }

  test('two `bulletin serve` over one database share the per-address limits, mail each confirmation once, and a restart does not reset the limits', async () => {
    const site = tempSite();
    const database = await engine.database(site.root);
    const servers: RunningServe[] = [];
    const start = () => {
      const server = startServe(site.root, { ...database.env, BULLETIN_SECRET: 'two-servers-test' });
      servers.push(server);
      return server;
    };
    try {
      cpSync(join(repoRoot, 'bulletins'), join(site.root, 'bulletins'), { recursive: true });
      appendFileSync(
        join(site.root, 'bulletin.config.yaml'),
        'service:\n  limits:\n    subscribePerAddressPerHour: 3\n    badLinksPerAddressPerHour: 2\n',
      );
      expect(bulletin(['build', '--all'], site.root, database.env).status).toBe(0);
      await awayFromTheHourBoundary();
      const first = start();
      const second = start();
      const [one, two] = await Promise.all([originOf(first), originOf(second)]);
      let n = 0;
      const subscribe = async (origin: string) =>
        (
          await fetch(`${origin}/subscribe`, {
            method: 'POST',
            body: new URLSearchParams({ email: `reader${n++}@example.org`, lists: 'weekly' }),
          })
        ).status;
      const badLink = async (origin: string) => (await fetch(`${origin}/unsubscribe?token=bad${n++}`)).status;

      // Three sign-ups an hour from one address, wherever they land; the fourth is refused.
      expect([await subscribe(one), await subscribe(two), await subscribe(one)]).toEqual([200, 200, 200]);
      // Both servers' senders poll the one mail queue: each confirmation is mailed once, by one of them.
      const mailed = await confirmationsOnceSettled(site.root, 3);
      expect(mailed).toEqual(['reader0@example.org', 'reader1@example.org', 'reader2@example.org']);
      const refused = await fetch(`${two}/subscribe`, {
        method: 'POST',
        body: new URLSearchParams({ email: 'reader-over@example.org', lists: 'weekly' }),
      });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(3600);
      expect(await refused.text()).toContain('Too many tries');
      // Two bad links an hour from one address, over both servers.
      expect([await badLink(two), await badLink(one), await badLink(two)]).toEqual([400, 400, 429]);

      // The first server restarts: the counts are in the database, not in its memory.
      expect((await first.stop()).status).toBe(0);
      const restarted = await originOf(start());
      expect(await subscribe(restarted)).toBe(429);
      expect(await badLink(restarted)).toBe(429);
      // Other pages are not limited.
      expect((await fetch(`${restarted}/subscribe`)).status).toBe(200);
    } finally {
      for (const server of servers) await server.stop();
      site.remove();
    }
  }, 240_000);
});
