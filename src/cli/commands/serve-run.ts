import { randomBytes } from 'node:crypto';
import { existsSync, watch } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { webhookProviders } from '../../bounces/webhooks/index.js';
import { ArchiveSession } from '../../build/archive-session.js';
import { templatesFor } from '../../build/pipeline.js';
import { loadConfig } from '../../content/config.js';
import type { Config } from '../../content/model.js';
import { formatDiagnostic } from '../../diagnostics/format.js';
import { SetupError } from '../../diagnostics/setup-error.js';
import { loadSecrets } from '../../dispatch/secret.js';
import { issueTransport, serviceOutboxTransport, smtpTransport } from '../../dispatch/transports.js';
import { startBouncePoller } from '../../bounces/poller.js';
import { runDueSends, SCHEDULE_LEASE_MS } from '../../schedule/run-due.js';
import { createService } from '../../service/app.js';
import { openStores, type ServiceStores, serviceStoresFor, type Stores } from '../../store/stores.js';
import { utcMinute } from '../../support/dates.js';
import { bounceHandler, mailboxSettings, webhookRecorder } from '../bounce-mailbox.js';
import { EXIT_FAILED, EXIT_OK, UsageError } from '../exit.js';
import { say, shortPath } from '../io.js';

/**
 * The service's mail per batch: two commits (claims, outcomes) per batch instead of two per mail,
 * so the sender keeps up with sign-ups without taking the requests' CPU. A relay gets as many
 * connections as a batch has mails (nodemailer's pool allows 5 by default); outbox files are
 * written side by side.
 */
const SMTP_MAIL_BATCH = 4;
const OUTBOX_MAIL_BATCH = 8;

export interface ServeOptions {
  port: string;
  host: string;
  out: string;
  watch?: boolean;
}

/** `bulletin serve`: the archive, the subscription pages, and the scheduled sends, until a signal. */
export async function serveCommand(root: string, options: ServeOptions): Promise<number> {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be a number from 0 to 65535, not "${options.port}".`);
  // First: a key production refuses should stop the command before any work is done.
  const secrets = loadSecrets(root);
  const outDir = resolve(root, options.out);
  const siteDir = join(outDir, 'site');
  const stopWatching = options.watch ? await watchArchive(root, outDir) : undefined;
  if (options.watch && !stopWatching) return EXIT_FAILED;
  if (!existsSync(join(siteDir, 'index.html'))) {
    say(
      `There is no built archive in ${shortPath(siteDir)}/. Run \`bulletin build\` first, or \`bulletin serve --watch\`.`,
    );
    return EXIT_FAILED;
  }
  const loaded = await loadConfig(root);
  if (!loaded.config) {
    for (const problem of loaded.problems) say(`${formatDiagnostic(problem)}\n`);
    return EXIT_FAILED;
  }
  const config = loaded.config;
  // Before anything starts: a bounce mailbox without its password is a mistake to say at once.
  const mailbox = mailboxSettings(config);
  if (secrets.generated)
    say(
      'warning: BULLETIN_SECRET is not set; links are signed with a development key kept in .bulletin/secret. Set BULLETIN_SECRET in production.',
    );
  if (process.env.NODE_ENV === 'production' && !process.env.SMTP_URL) {
    throw new SetupError(
      'SMTP_URL is not set; in production the subscription service would only write confirmation emails to .bulletin/outbox/, and nobody could confirm. Set SMTP_URL (smtp:// or smtps:// with credentials).',
    );
  }
  // A webhook turned on without its key stops here, before anything is opened.
  const webhooks = webhookProviders(config, process.env);
  // Mail goes out in batches (mail-sender.ts `batchSize`), each sent at once: over as many relay
  // connections as a batch has mails, or into the outbox, a file each.
  const mailBatch = process.env.SMTP_URL ? SMTP_MAIL_BATCH : OUTBOX_MAIL_BATCH;
  const mailer = process.env.SMTP_URL
    ? smtpTransport({ url: process.env.SMTP_URL, connections: mailBatch })
    : serviceOutboxTransport(join(root, '.bulletin', 'outbox'));
  let stores: Stores;
  let serviceStores: ServiceStores;
  try {
    stores = await openStores(root, config);
  } catch (error) {
    await mailer.close();
    throw error;
  }
  try {
    serviceStores = await serviceStoresFor(stores);
  } catch (error) {
    await mailer.close();
    await stores.close();
    throw error;
  }
  // Only for tests that stop the server between the answer and the send.
  const delayMs = Number(process.env.BULLETIN_SERVICE_MAIL_DELAY_MS) || 0;
  const templatesDir = templatesFor(root, config, loaded.path);
  const app = await createService({
    config,
    siteDir,
    templatesDir,
    store: serviceStores.subscribers,
    secrets,
    mailer,
    mailQueue: serviceStores.mailQueue,
    rateLimits: serviceStores.rateLimits,
    ...(serviceStores.signUps ? { signUps: serviceStores.signUps } : {}),
    clicks: stores.clicks,
    mailSender: { delayMs, batchSize: mailBatch },
    webhooks: { providers: webhooks, onEvents: webhookRecorder(config, stores, say) },
  });
  const closeAll = async () => {
    await mailer.close();
    await serviceStores.close();
    await stores.close();
  };
  const address = await listenOrExplain(app, port, options.host, async () => {
    stopWatching?.();
    await app.close();
    await closeAll();
  });
  const stopScheduler = await startScheduler(root, config, stores, secrets.current);
  const pollMinutes = config.dispatch.bounces.imap?.pollMinutes ?? 0;
  const stopPolling = mailbox
    ? startBouncePoller({
        settings: mailbox,
        intervalMs: pollMinutes * 60_000,
        handle: bounceHandler(config, stores, secrets.all, say),
        say,
      })
    : undefined;
  const origin = address.replace('0.0.0.0', 'localhost').replace(/\/$/, '');
  await new Promise<void>((done) => {
    const stop = async () => {
      say('Stopping: finishing the requests in flight.');
      stopWatching?.();
      await stopScheduler();
      await stopPolling?.();
      // Ten seconds for requests in flight, then the rest of the connections are cut.
      const deadline = setTimeout(() => app.server.closeAllConnections(), 10_000);
      try {
        await app.close();
      } catch (error) {
        say(`bulletin: while stopping: ${(error as Error).message}`);
      } finally {
        clearTimeout(deadline);
        await closeAll();
        done();
      }
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
    // Said once the signals are ours: a script waiting for this line may stop us at once.
    say(`Serving at ${origin}/ (Ctrl-C stops)`);
    say(`  the archive        ${origin}/`);
    say(`  subscribe          ${origin}/subscribe`);
    say(`  health             ${origin}/healthz`);
    say(`  confirmation mail  ${mailer.name}`);
    if (mailbox)
      say(`  bounce mailbox     ${mailbox.url} ${mailbox.folder}, read every ${pollMinutes} minutes`);
    if (webhooks.length)
      say(`  provider webhooks  ${webhooks.map((w) => `${origin}/webhooks/${w.name}`).join(', ')}`);
    if (config.site.baseUrl.replace(/\/$/, '') !== origin)
      say(`  links in mail lead to ${config.site.baseUrl} (site.baseUrl; BULLETIN_BASE_URL overrides it)`);
  });
  return EXIT_OK;
}

/**
 * Listens, or closes what was opened and says in one line why not: a port in use is a mistake
 * of setup, not a crash (and the open store and timers would otherwise keep the process alive).
 */
async function listenOrExplain(
  app: FastifyInstance,
  port: number,
  host: string,
  cleanUp: () => Promise<void>,
): Promise<string> {
  try {
    return await app.listen({ port, host });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    await cleanUp();
    const where = `port ${port} on ${host}`;
    if (code === 'EADDRINUSE') {
      throw new SetupError(
        `${where} is already in use (another \`bulletin serve\`?); stop that program or pick another port with --port.`,
      );
    }
    if (code === 'EACCES')
      throw new SetupError(
        `${where} needs privileges this user does not have; pick a port above 1023 with --port.`,
      );
    if (code === 'EADDRNOTAVAIL')
      throw new SetupError(
        `${host} is not an address of this machine; pick one with --host (such as 127.0.0.1).`,
      );
    throw error;
  }
}

/** Builds the archive in a session and keeps it current; returns how to stop, or undefined on errors. */
async function watchArchive(root: string, outDir: string): Promise<(() => void) | undefined> {
  const { session, problems } = await ArchiveSession.open(root, outDir);
  for (const problem of problems) say(`${formatDiagnostic(problem)}\n`);
  if (!session) return undefined;
  say(
    `Built the archive: ${session.report.pages} pages. Watching ${shortPath(join(root, 'bulletins'))}/ for changes.`,
  );
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let reindexTimer: NodeJS.Timeout | undefined;
  let busy = Promise.resolve();
  const flush = () => {
    const dates = [...pending];
    pending.clear();
    busy = busy.then(async () => {
      try {
        await rebuild(dates);
      } catch (error) {
        // An unexpected failure (an unreadable image, a full disk) is reported; the last good site stays up.
        say(`${dates.join(', ')}: the rebuild failed: ${(error as Error).message}`);
      }
    });
  };
  const rebuild = async (dates: string[]) => {
    const started = performance.now();
    const update = await session.changed(dates);
    for (const problem of update.problems) say(`${formatDiagnostic(problem)}\n`);
    if (update.problems.some((p) => p.severity === 'error')) {
      say(
        `${dates.join(', ')}: not rebuilt until the errors above are fixed; the site shows the last good version.`,
      );
      return;
    }
    say(
      `${dates.join(', ')}: rewrote ${update.written.length + update.removed.length} files in ${Math.round(performance.now() - started)} ms`,
    );
    clearTimeout(reindexTimer);
    // Search lags the pages by a moment: re-indexing every page takes seconds.
    reindexTimer = setTimeout(() => {
      busy = busy.then(() =>
        session.reindex().then(
          (n) => say(`search index: ${n} pages`),
          (error: Error) => say(`search index: not updated: ${error.message}`),
        ),
      );
    }, 1500);
  };
  const watcher = watch(join(root, 'bulletins'), { recursive: true }, (_event, name) => {
    const date = /^(\d{4}-\d{2}-\d{2})/.exec(String(name ?? ''))?.[1];
    if (!date) return;
    pending.add(date);
    clearTimeout(timer);
    timer = setTimeout(flush, 80);
  });
  return () => {
    watcher.close();
    clearTimeout(timer);
    clearTimeout(reindexTimer);
  };
}

/**
 * Runs scheduled sends while the server is up: every 30 seconds (BULLETIN_SCHEDULER_MS), the due
 * ones, one at a time, each claimed for this process first (several servers may share a database).
 * Returns how to stop: no new send starts, and one in progress finishes its messages in flight
 * (the rest resume on the next start, through the ledger).
 */
async function startScheduler(
  root: string,
  config: Config,
  stores: Stores,
  secret: string,
): Promise<() => Promise<void>> {
  const runner = `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
  const abort = new AbortController();
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = running.then(() =>
      runDueSends({
        root,
        config,
        stores,
        runner,
        leaseMs: Number(process.env.BULLETIN_SCHEDULE_LEASE_MS) || SCHEDULE_LEASE_MS,
        secret,
        transportFor: (issue, list) => issueTransport(root, config, issue, list),
        report: (line) => say(line),
        signal: abort.signal,
      }).catch((error: Error) => say(`schedule: ${error.message}`)),
    );
  };
  const waiting = (await stores.schedules.all()).filter(
    (s) => s.state === 'scheduled' || s.state === 'running',
  );
  if (waiting.length)
    say(
      `  scheduled sends     ${waiting.map((s) => `${s.issue} to ${s.list} at ${utcMinute(s.at)}`).join('; ')}`,
    );
  tick();
  const timer = setInterval(tick, Number(process.env.BULLETIN_SCHEDULER_MS) || 30_000);
  return async () => {
    clearInterval(timer);
    abort.abort();
    await running;
  };
}
