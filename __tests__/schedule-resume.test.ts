import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { issueHash } from '../src/approval/approvals.js';
import { buildEmailForSend } from '../src/build/email-for-send.js';
import { loadConfig } from '../src/content/config.js';
import type { Config } from '../src/content/model.js';
import { outboxTransport } from '../src/dispatch/transports.js';
import { holdSchedule } from '../src/schedule/claim.js';
import { runDueSends } from '../src/schedule/run-due.js';
import { parseDatabaseSetting } from '../src/store/location.js';
import { SqliteSchedules } from '../src/store/sqlite/schedules.js';
import { openStores } from '../src/store/stores.js';
import { bulletin, repoRoot } from './helpers/cli.js';
import { tempSite } from './helpers/site.js';

/**
 * Scheduled sends at the edges: cut short by a restart, then resumed (or not), and stopped by a
 * shutdown in the middle of their link check. `runDueSends` is run here as `serve` runs it, on a
 * real SQLite file and the outbox.
 */
const DATE = '2018-05-25';

async function siteWithReader() {
  const site = tempSite();
  cpSync(join(repoRoot, 'bulletins', DATE), join(site.root, 'bulletins', DATE), { recursive: true });
  expect(bulletin(['subscribers', 'add', 'ann@example.org', '--list', 'weekly'], site.root).status).toBe(0);
  const config = (await loadConfig(site.root)).config!;
  return { site, config, database: databasePathOf(site.root, config) };
}

function databasePathOf(root: string, config: Config): string {
  const location = parseDatabaseSetting(root, config);
  if (location.engine !== 'sqlite') throw new Error('these tests run on SQLite');
  return location.path;
}

async function runOnce(root: string, config: Config, signal?: AbortSignal, runner = 'test-runner') {
  const stores = await openStores(root, config);
  const lines: string[] = [];
  try {
    await runDueSends({
      root,
      config,
      stores,
      runner,
      secret: 'resume-test',
      transportFor: (issue, list) => outboxTransport(join(root, '.bulletin', 'outbox'), issue, list),
      report: (line) => lines.push(line),
      ...(signal ? { signal } : {}),
    });
    return { lines, schedule: (await stores.schedules.get(DATE, 'weekly'))! };
  } finally {
    await stores.close();
  }
}

async function startedEarlier(database: string, hash: string): Promise<void> {
  const schedules = new SqliteSchedules(database);
  await schedules.put(DATE, 'weekly', new Date(Date.now() - 180 * 60_000));
  await schedules.mark(DATE, 'weekly', 'running', `email ${hash}`);
  await schedules.close();
}

test('a send cut short resumes with the same email, long after its time; with a changed email it stops, and is never called missed', async () => {
  const { site, config, database } = await siteWithReader();
  try {
    const built = await buildEmailForSend(site.root, DATE);
    const outbox = join(site.root, '.bulletin', 'outbox', DATE, 'weekly');

    // Started three hours ago with another email, then the issue was edited: the rest must not get the new
    // one.
    await startedEarlier(database, 'f'.repeat(64));
    const changed = await runOnce(site.root, config);
    expect(changed.schedule.state).toBe('failed');
    expect(changed.schedule.detail).toBe(
      `stopped part way and cannot resume: the issue has changed since this send started, so the rest of the list would get a different email. Check it, then finish with \`bulletin send ${DATE} --list weekly\` (nobody who has it gets it twice).`,
    );
    expect(existsSync(outbox)).toBe(false);
    // A failed send is not due again: the next tick leaves it alone (no "missed, not sent").
    expect((await runOnce(site.root, config)).schedule.state).toBe('failed');

    await startedEarlier(database, issueHash(built.layout!));
    const resumed = await runOnce(site.root, config);
    expect(resumed.schedule).toMatchObject({
      state: 'done',
      detail: '1 sent, 0 failed, 0 unknown, 0 skipped, 0 pending',
    });
    expect(readdirSync(outbox)).toEqual(['ann@example.org.eml']);
  } finally {
    site.remove();
  }
}, 60_000);

test('a shutdown during the link check before a send leaves it scheduled, unsent, for the next start to check again', async () => {
  const { site, config, database } = await siteWithReader();
  let arrived: () => void = () => undefined;
  const asked = new Promise<void>((resolve) => (arrived = resolve));
  const hanging: Server = createServer(() => arrived());
  await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
  const offline = process.env.BULLETIN_OFFLINE;
  try {
    const origin = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
    const folder = join(site.root, 'bulletins', DATE);
    for (const name of readdirSync(folder))
      writeFileSync(
        join(folder, name),
        readFileSync(join(folder, name), 'utf8').replace(/https?:\/\/[^\s)>"']+/g, `${origin}/slow`),
      );
    const schedules = new SqliteSchedules(database);
    await schedules.put(DATE, 'weekly', new Date(Date.now() - 60_000));
    await schedules.close();

    process.env.BULLETIN_OFFLINE = '';
    const shutdown = new AbortController();
    // The hanging server is on 127.0.0.1, a private address: asked only when the site says so.
    const running = runOnce(
      site.root,
      { ...config, linkCheck: { ...config.linkCheck, allowPrivateAddresses: true } },
      shutdown.signal,
    );
    await asked;
    shutdown.abort();
    const { schedule, lines } = await running;
    expect(schedule.state).toBe('scheduled');
    expect(lines).toEqual([]);
    expect(existsSync(join(site.root, '.bulletin', 'outbox', DATE))).toBe(false);
  } finally {
    process.env.BULLETIN_OFFLINE = offline;
    hanging.closeAllConnections();
    await new Promise<void>((resolve) => hanging.close(() => resolve()));
    site.remove();
  }
}, 60_000);

test('a due send another server holds is left to it, and taken over once that server stops renewing its lease', async () => {
  const { site, config, database } = await siteWithReader();
  try {
    const outbox = join(site.root, '.bulletin', 'outbox', DATE, 'weekly');
    const schedules = new SqliteSchedules(database);
    await schedules.put(DATE, 'weekly', new Date(Date.now() - 60_000));
    const now = new Date();
    expect(await schedules.claim(DATE, 'weekly', 'other-server', now, new Date(now.getTime() + 60_000))).toBe(
      true,
    );

    const left = await runOnce(site.root, config);
    expect(left.lines).toEqual([]);
    expect(left.schedule.state).toBe('scheduled');
    expect(existsSync(outbox)).toBe(false);

    // The other server died: nobody renews its claim, and the lease runs out.
    expect(await schedules.renew(DATE, 'weekly', 'other-server', new Date(Date.now() - 1))).toBe(true);
    await schedules.close();
    const taken = await runOnce(site.root, config);
    expect(taken.schedule).toMatchObject({
      state: 'done',
      detail: '1 sent, 0 failed, 0 unknown, 0 skipped, 0 pending',
    });
    expect(readdirSync(outbox)).toEqual(['ann@example.org.eml']);
  } finally {
    site.remove();
  }
}, 60_000);

test('a runner that loses its claim to another is told at its next renewal, and records nothing over it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bulletin-claim-'));
  const schedules = new SqliteSchedules(join(dir, 'bulletin.db'));
  try {
    await schedules.put(DATE, 'weekly', new Date(Date.now() - 60_000));
    const clock = () => new Date();
    const held = (await holdSchedule(schedules, { issue: DATE, list: 'weekly' }, 'a', 300, clock))!;
    expect(await holdSchedule(schedules, { issue: DATE, list: 'weekly' }, 'b', 300, clock)).toBeUndefined();
    await held.mark('running', 'email abc');
    // Runner a stalls (a long pause, a lost connection): its lease ends, and b takes the send over.
    expect(await schedules.renew(DATE, 'weekly', 'a', new Date(Date.now() - 1))).toBe(true);
    const other = (await holdSchedule(schedules, { issue: DATE, list: 'weekly' }, 'b', 60_000, clock))!;
    await new Promise<void>((resolve) => held.signal.addEventListener('abort', () => resolve()));
    expect(held.lost()).toBe(true);
    await held.mark('failed', 'should not be written');
    await held.end();
    expect(await schedules.get(DATE, 'weekly')).toMatchObject({ state: 'running', detail: 'email abc' });
    await other.mark('done', '1 sent');
    await other.end();
    expect(await schedules.get(DATE, 'weekly')).toMatchObject({ state: 'done', detail: '1 sent' });
  } finally {
    await schedules.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
