import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import formBody from '@fastify/formbody';
import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { loadSiteTemplates } from '../archive/site-templates.js';
import type { Config } from '../content/model.js';
import type { Secrets } from '../dispatch/secret.js';
import type { Transport } from '../dispatch/transports.js';
import type { SubscriberStore } from '../subscribers/store.js';
import type { ClickStore } from '../analytics/click-store.js';
import { BODY_LIMIT, limitBodies } from './body-limit.js';
import { clickRoutes } from './click-routes.js';
import type { ServiceContext } from './context.js';
import { linkRoutes } from './link-routes.js';
import type { ServiceMailQueue } from './mail-queue.js';
import {
  DEFAULT_MAIL_SENDER,
  startMailSender,
  type MailSender,
  type MailSenderSettings,
} from './mail-sender.js';
import { purgeUnconfirmed } from './purge.js';
import { databaseRateLimits, type RateLimitStore } from './rate-limits.js';
import { Pages } from './render.js';
import { type SignUpStore, signUpsOver } from './sign-up.js';
import { addSecurityHeaders, logSerializers } from './security.js';
import { subscribeRoutes, tooMany } from './subscribe-routes.js';
import { unlessMissing } from '../support/errors.js';
import { webhookRoutes, type WebhookSettings } from './webhook-routes.js';

export interface ServiceOptions {
  config: Config;
  /** The built archive (dist/site/), served as it is. */
  siteDir: string;
  /** The site's templates folder (pipeline.ts `templatesFor`). */
  templatesDir: string;
  store: SubscriberStore;
  secrets: Secrets;
  mailer: Transport;
  /** Where the service's mail waits, durably, until `mailer` has taken it. */
  mailQueue: ServiceMailQueue;
  /** Where the rate limits count, shared by every server over the same database. */
  rateLimits: RateLimitStore;
  /** Sign-ups in one commit each (sqlite/service-stores.ts); by default over the three stores above. */
  signUps?: SignUpStore;
  /**
   * Where `/r/` finds each issue's links and counts clicks. Given, the route answers whatever
   * `analytics.clicks` says now: links in mail already sent keep working after it is turned off.
   */
  clicks?: ClickStore;
  /** Retries and pacing of that mail (mail-sender.ts); the defaults suit production. */
  mailSender?: Partial<MailSenderSettings>;
  /** Provider webhooks (`dispatch.bounces.webhooks`): the providers turned on, and where their events go. */
  webhooks?: WebhookSettings;
  /** Where the JSON log lines go (default stdout); `false` for none. */
  log?: Writable | false;
  now?: () => number;
}

const HOUR = 3_600_000;

/**
 * `bulletin serve`: the archive, and the subscription pages over the same store the sender
 * uses. The order a request meets things: security headers, rate limits, body parsing (forms,
 * or multipart for one-click unsubscribes; 16 KB at most), the route, and for everything else
 * the static archive. Provider webhooks (`/webhooks/<provider>`) keep their raw bodies, up to 1 MB.
 */
export async function createService(options: ServiceOptions): Promise<FastifyInstance> {
  const { config } = options;
  const app = Fastify({
    // Our serializers leave out stack traces on purpose, which fastify's types do not foresee.
    logger: (options.log === false
      ? false
      : {
          level: 'info',
          serializers: logSerializers,
          ...(options.log ? { stream: options.log } : {}),
        }) as FastifyServerOptions['logger'],
    bodyLimit: BODY_LIMIT,
    // A client that trickles its request must not hold a connection (or a shutdown) for ever.
    requestTimeout: 30_000,
    connectionTimeout: 30_000,
    trustProxy: trustProxyOf(config.service.trustProxy),
    // On close: stop accepting, let requests in flight finish, drop idle keep-alive connections.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // One line per request (below), not fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info({ req: request, res: reply, ms: Math.round(reply.elapsedTime) }, 'request');
    done();
  });
  app.addHook('onRequest', addSecurityHeaders);
  limitBodies(app);
  const now = options.now ?? Date.now;
  await app.register(rateLimit, { global: false, store: databaseRateLimits(options.rateLimits, now) });
  await app.register(formBody, { bodyLimit: BODY_LIMIT });

  const templates = await loadSiteTemplates(options.templatesDir);
  const pages = new Pages(templates, config);
  const badLinks = app.createRateLimit({
    max: config.service.limits.badLinksPerAddressPerHour,
    timeWindow: HOUR,
    // Named in its key: a limiter that is not a route's has no route to tell its count apart.
    keyGenerator: (request) => `bad-link|${normalizeIP(request.ip)}`,
  });
  const sender = serviceMail(app, options, now);
  const signUps =
    options.signUps ??
    signUpsOver({ rateLimits: options.rateLimits, subscribers: options.store, mailQueue: options.mailQueue });
  const context: ServiceContext = {
    app,
    config,
    store: options.store,
    secrets: options.secrets,
    async signUp(signUp) {
      const outcome = await signUps.signUp(signUp, new Date(now()));
      if (outcome.outcome === 'queued') sender.wake();
      return outcome;
    },
    pages,
    now,
    async badLink(request, reply) {
      const limit = await badLinks(request);
      if (limit.isAllowed || !limit.isExceeded) return true;
      tooMany(context, reply, limit.ttlInSeconds);
      return false;
    },
  };

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status === 429) return tooMany(context, reply, Number(reply.getHeader('retry-after')) || 60);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    const title =
      status === 413
        ? 'That was too much to send'
        : status >= 500
          ? 'Something went wrong'
          : 'That did not work';
    const detail =
      status >= 500
        ? 'Nothing was changed. Please try again in a minute.'
        : status === 413
          ? 'The form was larger than this site accepts.'
          : 'The request was not in a form this site understands.';
    return pages.notice(reply, status, {
      title,
      paragraphs: [detail],
      next: { href: '/', text: 'Back to the bulletins' },
    });
  });

  app.get('/healthz', async (request, reply) => {
    try {
      await options.store.isSuppressed('healthz@example.invalid');
      return reply.header('cache-control', 'no-store').send({ status: 'ok' });
    } catch (error) {
      // Any failure of the store is "unavailable" to the prober; the cause goes to the log, not to the
      // public.
      request.log.error({ err: error }, 'healthz: the subscriber store does not answer');
      return reply
        .code(503)
        .header('cache-control', 'no-store')
        .send({ status: 'unavailable', reason: 'the subscriber store does not answer' });
    }
  });

  subscribeRoutes(context);
  linkRoutes(context);
  if (options.clicks) clickRoutes(context, options.clicks);
  if (options.webhooks) await webhookRoutes(app, options.webhooks, now);

  await app.register(fastifyStatic, {
    root: options.siteDir,
    prefix: '/',
    index: ['index.html'],
    redirect: true,
    cacheControl: false,
    serveDotFiles: false,
    setHeaders(response, path) {
      // Pages change with every build: always revalidate (ETag). Other files may be kept a while.
      response.setHeader('cache-control', path.endsWith('.html') ? 'no-cache' : 'public, max-age=3600');
    },
  });
  app.setNotFoundHandler(async (_request, reply) => {
    const page = await unlessMissing(
      readFile(join(options.siteDir, '404.html'), 'utf8'),
      '<!doctype html><title>Not found</title><h1>Not found</h1>',
    );
    return reply
      .code(404)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(page);
  });
  return app;
}

/**
 * The service's own mail goes out from the queue once the server is listening, and stops with it
 * (mail in the queue then waits for the next start). Unconfirmed sign-ups are purged then too,
 * and every hour while it runs, with the rate-limit counts (client addresses) of ended windows.
 */
function serviceMail(app: FastifyInstance, options: ServiceOptions, now: () => number): { wake(): void } {
  let sender: MailSender | undefined;
  let purgeTimer: NodeJS.Timeout | undefined;
  const purge = async () => {
    try {
      const purged = await purgeUnconfirmed(options.store, options.mailQueue, options.config, now);
      // Every limit of the service counts in windows of an hour: those started before then have ended.
      const rateLimitWindows = await options.rateLimits.purge(new Date(now() - HOUR));
      if (purged.memberships + purged.confirmations + purged.mail + rateLimitWindows === 0) return;
      app.log.info(
        { event: 'purged', ...purged, rateLimitWindows },
        'unconfirmed sign-ups, old service mail and ended rate-limit windows purged',
      );
    } catch (error) {
      app.log.error(
        { event: 'purge-failed', err: error as Error },
        'the purge of unconfirmed sign-ups failed',
      );
    }
  };
  app.addHook('onReady', async () => {
    await purge();
    purgeTimer = setInterval(() => void purge(), HOUR);
    purgeTimer.unref();
    const settings = { ...DEFAULT_MAIL_SENDER, ...options.mailSender };
    sender = startMailSender(options.mailQueue, options.mailer, app.log, settings, now);
  });
  app.addHook('onClose', async () => {
    clearInterval(purgeTimer);
    await sender?.stop();
  });
  return { wake: () => sender?.wake() };
}

/** A count of proxies becomes "trust that many hops"; addresses and CIDRs go to fastify as they are. */
function trustProxyOf(
  setting: Config['service']['trustProxy'],
): boolean | string | string[] | ((address: string, hop: number) => boolean) {
  return typeof setting === 'number' ? (_address, hop) => hop < setting : setting;
}
