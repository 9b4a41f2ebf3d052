import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { simpleParser } from 'mailparser';
import { runPipeline, templatesFor } from '../../src/build/pipeline.js';
import { loadConfig } from '../../src/content/config.js';
import type { Config } from '../../src/content/model.js';
import { serviceOutboxTransport, type Transport } from '../../src/dispatch/transports.js';
import { createService } from '../../src/service/app.js';
import type { MailSenderSettings } from '../../src/service/mail-sender.js';
import type { WebhookSettings } from '../../src/service/webhook-routes.js';
import { SqliteServiceMailQueue } from '../../src/store/sqlite/mail-queue.js';
import { SqliteSubscriberStore } from '../../src/store/sqlite/subscribers.js';
import { SqliteRateLimits } from '../../src/store/sqlite/rate-limits.js';
import { openDatabase } from '../../src/store/sqlite/open.js';
import { repoRoot } from './cli.js';

export const SECRET = 'service-test-secret';
export const PREVIOUS_SECRET = 'service-test-secret-before-rotation';

export interface TestService {
  origin: string;
  root: string;
  config: Config;
  store: SqliteSubscriberStore;
  app: FastifyInstance;
  /** Every JSON log line the service wrote. */
  logs: string[];
  /** The service's mail, oldest first, parsed. */
  mail(): Promise<
    { to: string; subject: string; text: string; html: string; headers: Map<string, unknown> }[]
  >;
  /** The first http(s) link in the text part of the newest mail to `to`. */
  linkIn(to: string): Promise<string>;
  close(): Promise<void>;
}

let built: { dir: string } | undefined;

/** The sample archive, built once per test file into a temp folder. */
async function archive(): Promise<string> {
  if (!built) {
    const dir = mkdtempSync(join(tmpdir(), 'bulletin-service-site-'));
    const dates = readdirSync(join(repoRoot, 'bulletins')).filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d));
    const report = await runPipeline({
      root: repoRoot,
      dates,
      write: true,
      site: true,
      outDir: dir,
      cache: false,
    });
    if (!report.site) throw new Error('the sample archive did not build');
    built = { dir };
  }
  return join(built.dir, 'site');
}

/**
 * The real service on 127.0.0.1 and a free port, over a fresh SQLite file, with the outbox for
 * its mail and the sample archive; links in mail lead back to it.
 */
export interface StartOptions {
  now?: () => number;
  mailer?: Transport;
  mailSender?: Partial<MailSenderSettings>;
  /** Runs on the store before the service starts (as rows left by an earlier run). */
  seed?: (store: SqliteSubscriberStore, database: string) => Promise<void>;
  /** Provider webhooks (built from the adjusted config), and where their events go. */
  webhooks?: (config: Config) => WebhookSettings;
}

export async function startService(
  adjust: (config: Config) => void = () => undefined,
  options: StartOptions = {},
): Promise<TestService> {
  const root = mkdtempSync(join(tmpdir(), 'bulletin-service-'));
  cpSync(join(repoRoot, 'bulletin.config.yaml'), join(root, 'bulletin.config.yaml'));
  const loaded = await loadConfig(root);
  const config = loaded.config!;
  adjust(config);
  const store = new SqliteSubscriberStore(join(root, '.bulletin', 'bulletin.db'));
  const mailQueue = new SqliteServiceMailQueue(join(root, '.bulletin', 'bulletin.db'));
  const limitsDb = openDatabase(join(root, '.bulletin', 'bulletin.db'));
  await options.seed?.(store, join(root, '.bulletin', 'bulletin.db'));
  const logs: string[] = [];
  const log = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const outbox = join(root, '.bulletin', 'outbox');
  const app = await createService({
    config,
    siteDir: await archive(),
    templatesDir: templatesFor(repoRoot, config, loaded.path),
    store,
    secrets: { current: SECRET, all: [SECRET, PREVIOUS_SECRET], generated: false },
    mailer: options.mailer ?? serviceOutboxTransport(outbox),
    mailQueue,
    rateLimits: new SqliteRateLimits(limitsDb),
    // Retries a test can wait for.
    mailSender: { retryBaseMs: 50, pollMs: 50, ...options.mailSender },
    log,
    ...(options.now ? { now: options.now } : {}),
    ...(options.webhooks ? { webhooks: options.webhooks(config) } : {}),
  });
  const origin = (await app.listen({ port: 0, host: '127.0.0.1' })).replace(/\/$/, '');
  config.site.baseUrl = `${origin}/`;
  const mail = async () => {
    const folder = join(outbox, 'service');
    let names: string[] = [];
    try {
      names = readdirSync(folder)
        .filter((n) => n.endsWith('.eml'))
        .sort();
    } catch {
      return [];
    }
    return Promise.all(
      names.map(async (name) => {
        const parsed = await simpleParser(readFileSync(join(folder, name)));
        return {
          to: (parsed.to as { text: string }).text,
          subject: parsed.subject ?? '',
          text: parsed.text ?? '',
          html: String(parsed.html),
          headers: parsed.headers,
        };
      }),
    );
  };
  return {
    origin,
    root,
    config,
    store,
    app,
    logs,
    mail,
    async linkIn(to) {
      // The mail is sent after the page answers: wait for it a moment.
      for (let i = 0; i < 100; i++) {
        const found = (await mail()).filter((m) => m.to === to).at(-1);
        const link = found?.text.match(/https?:\/\/\S+/)?.[0];
        if (link) return link;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`no mail with a link to ${to}`);
    },
    async close() {
      await app.close();
      await mailQueue.close();
      limitsDb.close();
      await store.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Removes the archive built for this test file. */
export function removeArchive(): void {
  if (built) rmSync(built.dir, { recursive: true, force: true });
  built = undefined;
}
