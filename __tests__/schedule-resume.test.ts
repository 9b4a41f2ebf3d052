import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { issueHash } from '../src/approval/approvals.js';
import { buildEmailForSend } from '../src/build/email-for-send.js';
import { loadConfig } from '../src/content/config.js';
import type { Config } from '../src/content/model.js';
import { outboxTransport } from '../src/dispatch/transports.js';
import { runDueSends } from '../src/schedule/run-due.js';
import { SqliteSchedules } from '../src/schedule/schedules.js';
import { SqliteSendLedger } from '../src/store/sqlite/ledger.js';
import { databasePath, openSubscriberStore } from '../src/subscribers/open-store.js';
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
  return { site, config, database: databasePath(site.root, config) };
}

async function runOnce(root: string, config: Config, signal?: AbortSignal) {
  const database = databasePath(root, config);
  const store = openSubscriberStore(root, config);
  const schedules = new SqliteSchedules(database);
  const ledger = new SqliteSendLedger(database);
  const lines: string[] = [];
  try {
    await runDueSends({
      root,
      config,
      database,
      store,
      ledger,
      schedules,
      secret: 'resume-test',
      transportFor: (issue, list) => outboxTransport(join(root, '.bulletin', 'outbox'), issue, list),
      report: (line) => lines.push(line),
      ...(signal ? { signal } : {}),
    });
    return { lines, schedule: schedules.get(DATE, 'weekly')! };
  } finally {
    schedules.close();
    await ledger.close();
    await store.close();
  }
}

function startedEarlier(database: string, hash: string): void {
  const schedules = new SqliteSchedules(database);
  schedules.put(DATE, 'weekly', new Date(Date.now() - 180 * 60_000));
  schedules.mark(DATE, 'weekly', 'running', `email ${hash}`);
  schedules.close();
}

test('a send cut short resumes with the same email, long after its time; with a changed email it stops, and is never called missed', async () => {
  const { site, config, database } = await siteWithReader();
  try {
    const built = await buildEmailForSend(site.root, DATE);
    const outbox = join(site.root, '.bulletin', 'outbox', DATE, 'weekly');

    // Started three hours ago with another email, then the issue was edited: the rest must not get the new
    // one.
    startedEarlier(database, 'f'.repeat(64));
    const changed = await runOnce(site.root, config);
    expect(changed.schedule.state).toBe('failed');
    expect(changed.schedule.detail).toBe(
      `stopped part way and cannot resume: the issue has changed since this send started, so the rest of the list would get a different email. Check it, then finish with \`bulletin send ${DATE} --list weekly\` (nobody who has it gets it twice).`,
    );
    expect(existsSync(outbox)).toBe(false);
    // A failed send is not due again: the next tick leaves it alone (no "missed, not sent").
    expect((await runOnce(site.root, config)).schedule.state).toBe('failed');

    startedEarlier(database, issueHash(built.layout!));
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
    schedules.put(DATE, 'weekly', new Date(Date.now() - 60_000));
    schedules.close();

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
