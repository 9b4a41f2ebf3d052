import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { signToken, type TokenPayload } from '../dispatch/tokens.js';
import { listIds, tokenFrom, type ServiceContext } from './context.js';
import { refuseCrossSite } from './same-origin.js';

/**
 * RFC 8058: the one-click POST carries `List-Unsubscribe=One-Click`; our own page's button adds
 * `via=page`. Other fields a provider may add are ignored, not refused: an unsubscribe must not
 * fail over a detail.
 */
const unsubscribeBody = z.object({
  'List-Unsubscribe': z.literal('One-Click'),
  via: z.string().max(20).optional(),
});

const preferencesBody = z.strictObject({
  lists: listIds.optional(),
  action: z.enum(['save', 'leave-all']).default('save'),
});

const queryToken = (request: FastifyRequest) => (request.query as { token?: unknown }).token;

/** Unsubscribe (one-click and by page) and preferences: both from signed links in sent mail. */
export function linkRoutes(context: ServiceContext): void {
  const { app, config, store, pages } = context;
  const at = () => new Date(context.now()).toISOString();
  const preferencesHref = (payload: TokenPayload) =>
    `/preferences?token=${signToken(context.secrets.current, { purpose: 'preferences', email: payload.email, list: payload.list, issuedAt: Math.floor(context.now() / 1000) })}`;

  // Opening the link shows a button; it never changes anything by itself (mail scanners follow links).
  app.get('/unsubscribe', async (request, reply) => {
    const token = queryToken(request);
    const payload = await tokenFrom(context, request, reply, token, 'unsubscribe');
    if (!payload) return reply;
    return pages.send(reply, 200, 'unsubscribe', 'Unsubscribe', {
      email: payload.email,
      list: pages.listName(payload.list),
      action: `/unsubscribe?token=${encodeURIComponent(String(token))}`,
      preferencesHref: preferencesHref(payload),
    });
  });

  app.post('/unsubscribe', async (request, reply) => {
    const payload = await tokenFrom(context, request, reply, queryToken(request), 'unsubscribe');
    if (!payload) return reply;
    const body = unsubscribeBody.safeParse(request.body ?? {});
    if (!body.success) {
      return pages.notice(reply, 400, {
        title: 'Nothing was changed',
        paragraphs: [
          'An unsubscribe request must say List-Unsubscribe=One-Click. Open the link from the email and press the button.',
        ],
      });
    }
    const byPage = body.data.via === 'page';
    const source = byPage ? 'unsubscribe-page' : 'one-click';
    // Idempotent, in one step: a second POST (providers retry) changes nothing and records nothing.
    if (
      await store.setStatus(payload.email, payload.list, 'unsubscribed', { source, at: at() }, [
        'subscribed',
        'pending',
      ])
    ) {
      request.log.info({ event: 'unsubscribed', list: payload.list, source }, 'unsubscribed');
    }
    // A mail provider's POST gets a fixed page: no address echoed, no preferences link minted.
    if (!byPage)
      return pages.fixedNotice(reply, 200, {
        title: 'You are unsubscribed',
        paragraphs: ['You will not get this list any more.'],
      });
    return pages.notice(reply, 200, {
      title: 'You are unsubscribed',
      paragraphs: [`${payload.email} will not get ${pages.listName(payload.list)} any more.`],
      next: { href: preferencesHref(payload), text: 'Choose which lists you get' },
    });
  });

  /** The lists a person may choose between: the public ones, and any they are on already. */
  const choices = async (email: string) => {
    const memberships = await store.memberships(email);
    const lists = config.lists.filter((l) => l.public || memberships.some((m) => m.list === l.id));
    return lists.map((l) => ({
      id: l.id,
      name: l.name,
      ...(l.description ? { description: l.description } : {}),
      checked: memberships.some((m) => m.list === l.id && m.status === 'subscribed'),
      status: memberships.find((m) => m.list === l.id)?.status,
    }));
  };

  app.get('/preferences', async (request, reply) => {
    const token = queryToken(request);
    const payload = await tokenFrom(context, request, reply, token, 'preferences');
    if (!payload) return reply;
    return pages.send(reply, 200, 'preferences', 'Your subscription', {
      email: payload.email,
      lists: await choices(payload.email),
      action: `/preferences?token=${encodeURIComponent(String(token))}`,
    });
  });

  app.post('/preferences', { preHandler: refuseCrossSite(context) }, async (request, reply) => {
    const token = queryToken(request);
    const payload = await tokenFrom(context, request, reply, token, 'preferences');
    if (!payload) return reply;
    const body = preferencesBody.safeParse(request.body ?? {});
    const lists = await choices(payload.email);
    const wanted = new Set(body.success && body.data.action === 'save' ? (body.data.lists ?? []) : []);
    if (!body.success || [...wanted].some((id) => !lists.some((l) => l.id === id))) {
      return pages.notice(reply, 400, {
        title: 'Nothing was changed',
        paragraphs: [
          'The form was not sent as expected. Open the link from the email again and choose from the lists shown.',
        ],
      });
    }
    const consent = { source: 'preferences', at: at() };
    for (const list of lists) {
      if (wanted.has(list.id) && list.status !== 'subscribed') {
        // The signed link proves the mailbox, so choosing a list here is consent enough.
        if (list.status) await store.setStatus(payload.email, list.id, 'subscribed', consent);
        else await store.addSubscriber(list.id, { email: payload.email }, 'subscribed', consent);
      } else if (!wanted.has(list.id) && (list.status === 'subscribed' || list.status === 'pending')) {
        await store.setStatus(payload.email, list.id, 'unsubscribed', consent);
      }
    }
    request.log.info({ event: 'preferences-saved', lists: [...wanted] }, 'preferences saved');
    return pages.send(reply, 200, 'preferences', 'Your subscription', {
      email: payload.email,
      lists: await choices(payload.email),
      action: `/preferences?token=${encodeURIComponent(String(token))}`,
      saved: true,
    });
  });
}
