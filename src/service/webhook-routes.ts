import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  SeenDeliveries,
  WebhookRefusal,
  type WebhookProvider,
  type WebhookResult,
} from '../bounces/webhooks/index.js';
import type { BounceEvent } from '../bounces/report.js';

/** SES notifications that quote the original headers, and SendGrid's batches, outgrow the 16 KB of forms. */
/** SendGrid batches events up to 768 KB and an SNS envelope escapes a message of up to 256 KB: 1 MB holds both. */
export const WEBHOOK_BODY_LIMIT = 1024 * 1024;

export interface WebhookSettings {
  providers: WebhookProvider[];
  /** Where verified events go (the coordinator's wiring records them in `Stores.bounces`). */
  onEvents(events: BounceEvent[]): Promise<void>;
}

/**
 * `POST /webhooks/<provider>` for each provider turned on. In their own scope: the body is kept as
 * the bytes that arrived (what a signature covers), whatever its content type, up to 1 MB (413
 * beyond), and errors answer JSON, not the site's pages. Answers: 200 done; 400 unreadable; 401/403
 * refused (credentials, signature, topic, certificate, stale timestamp); 409 a delivery seen before
 * (a replay: refused, nothing done); 500 the events could not be recorded (the provider retries).
 */
export async function webhookRoutes(app: FastifyInstance, settings: WebhookSettings, now: () => number) {
  if (!settings.providers.length) return;
  const seen = new SeenDeliveries();
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT },
      (_request, body, done) => done(null, body),
    );
    scope.setErrorHandler((error: FastifyError, request, reply) => {
      const status =
        error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
      if (status === 500) request.log.error({ err: error }, 'webhook failed');
      else
        request.log.info(
          { event: 'webhook-refused', status, reason: error.message },
          'a webhook was refused',
        );
      return reply.code(status).send({ error: status === 500 ? 'internal error' : error.message });
    });
    for (const provider of settings.providers) {
      scope.post(`/webhooks/${provider.name}`, { bodyLimit: WEBHOOK_BODY_LIMIT }, (request, reply) =>
        receive(provider, request, reply),
      );
    }
  });

  async function receive(provider: WebhookProvider, request: FastifyRequest, reply: FastifyReply) {
    const log = request.log.child({ provider: provider.name });
    const refused = (status: number, reason: string) => {
      log.info({ event: 'webhook-refused', status, reason }, 'a webhook was refused');
      return reply.code(status).send({ error: reason });
    };
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    let result: WebhookResult;
    try {
      result = await provider.read({ body, headers: request.headers, now: now() });
    } catch (error) {
      if (!(error instanceof WebhookRefusal)) throw error;
      if (error.statusCode === 401) reply.header('www-authenticate', 'Basic realm="bulletin webhooks"');
      return refused(error.statusCode, error.message);
    }
    const key = result.replayKey;
    if (key && !seen.claim(key, result.replayTtlMs ?? 0, now()))
      return refused(409, 'this delivery was seen before (a replay): nothing done');
    try {
      if (result.confirm) await result.confirm();
      if (result.events.length) await settings.onEvents(result.events);
    } catch (error) {
      // Not done: forget the delivery, so the provider's retry of it is not taken for a replay.
      if (key) seen.release(key);
      log.error(
        { err: error as Error, event: 'webhook-failed', kind: result.kind },
        'a webhook could not be handled',
      );
      return reply.code(500).send({ error: 'not handled; try again later' });
    }
    const verdicts: Record<string, number> = {};
    for (const event of result.events) verdicts[event.verdict] = (verdicts[event.verdict] ?? 0) + 1;
    log.info(
      { event: 'webhook', kind: result.kind, verdicts, confirmed: Boolean(result.confirm) },
      'webhook handled',
    );
    return reply.code(200).send({ ok: true, events: result.events.length });
  }
}
