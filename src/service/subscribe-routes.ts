import { normalizeIP } from '@fastify/rate-limit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { z } from 'zod';
import { subscribeFormView } from '../archive/subscribe-form.js';
import { normalizeAddress } from '../support/email-address.js';
import { listIds, tokenFrom, type ServiceContext } from './context.js';
import { alreadySubscribedMessage, confirmationMessage } from './mail.js';
import type { ServiceMailKind } from './mail-queue.js';
import { listNames } from './render.js';
import { refuseCrossSite } from './same-origin.js';
import type { SignUpMail } from './sign-up.js';

const HOUR = 3_600_000;

const subscribeBody = z.strictObject({
  email: z.string().max(320).default(''),
  name: z.string().max(200).optional(),
  lists: listIds.optional(),
  /** A field people never see: a bot that fills it in is told "check your inbox" and nothing happens. */
  website: z.string().max(200).optional(),
});

const confirmBody = z.strictObject({ token: z.string().max(2000) });

/**
 * The client's key for the sign-up limit: the one @fastify/rate-limit gave this route when it
 * counted it, so counts carry over.
 */
const clientKey = (request: FastifyRequest) => `POST /subscribe|${normalizeIP(request.ip)}`;

/** Subscribe (double opt-in) and confirm. */
export function subscribeRoutes(context: ServiceContext): void {
  const { app, config, store, pages } = context;
  const limits = config.service.limits;
  const countOnly = app.createRateLimit({
    max: limits.subscribePerAddressPerHour,
    timeWindow: HOUR,
    keyGenerator: clientKey,
  });

  const form = (reply: FastifyReply, status: number, chosen: string[] = [], values = {}, errors = {}) =>
    pages.send(reply, status, 'subscribe', 'Subscribe', {
      form: subscribeFormView(config, '/subscribe', chosen, values, errors),
    });

  app.get('/subscribe', (_request, reply) => form(reply, 200));

  const sameSite = refuseCrossSite(context);
  app.post('/subscribe', { preHandler: sameSite }, async (request, reply) => {
    const limit = { key: clientKey(request), max: limits.subscribePerAddressPerHour, windowMs: HOUR };
    // A post that signs nobody up still counts against its client, in a commit of its own (a
    // sign-up counts in the same commit as its row and mail).
    const refused = async (answer: () => FastifyReply) => {
      const counted = await countOnly(request);
      // "Allowed" is the plugin's allow list, which this limit has none of.
      if (counted.isAllowed) return answer();
      limitHeaders(reply, limit.max, counted.remaining, counted.ttl);
      return counted.isExceeded ? tooMany(context, reply, counted.ttlInSeconds) : answer();
    };
    const parsed = subscribeBody.safeParse(request.body ?? {});
    if (!parsed.success)
      return refused(() =>
        form(reply, 400, [], {}, { form: 'The form was not sent as expected. Please fill it in again.' }),
      );
    const { email: rawEmail, name: rawName, lists: asked = [], website } = parsed.data;
    const name = rawName?.replace(/\s+/g, ' ').trim() || undefined;
    const values = { email: rawEmail, ...(name ? { name } : {}) };
    const publicLists = config.lists.filter((l) => l.public).map((l) => l.id);
    const lists = asked.length === 0 && publicLists.length === 1 ? publicLists : [...new Set(asked)];
    const address = normalizeAddress(rawEmail);
    const errors: { email?: string; lists?: string } = {};
    if (!address.ok)
      errors.email =
        rawEmail.trim() === ''
          ? 'Enter your email address.'
          : `This email address ${address.reason}. Enter it like name@example.org.`;
    if (lists.length === 0) errors.lists = 'Choose at least one list.';
    else if (lists.some((id) => !publicLists.includes(id))) errors.lists = 'Choose from the lists shown.';
    if (errors.email || errors.lists) return refused(() => form(reply, 400, lists, values, errors));
    if (website) return refused(() => checkYourInbox(context, reply));
    const email = (address as { address: string }).address;
    const at = context.now();
    // Counted in the store, not in memory: a restart or a flood of other addresses must not reset
    // it; and in the same change as the confirmation, so requests arriving at once cannot all pass.
    const cap = { max: limits.confirmationsPerEmailPerDay, since: new Date(at - 24 * HOUR) };
    const consent = { source: 'form', at: new Date(at).toISOString() };
    const secret = context.secrets.current;
    // Queued, not sent: the page may say "we have sent" only once the mail cannot be lost, and
    // queueing takes the same time whichever kind of mail it is (the answer gives nothing away).
    const outcome = await context.signUp({
      limit,
      subscriber: { email, ...(name ? { name } : {}) },
      lists,
      consent,
      cap,
      mailFor: ({ nonce, alreadySubscribed }) =>
        alreadySubscribed
          ? mailOf('already-subscribed', alreadySubscribedMessage(config, secret, email, lists[0]!, at))
          : mailOf('confirmation', confirmationMessage(config, secret, email, nonce, at)),
    });
    limitHeaders(reply, limit.max, outcome.remaining, outcome.resetMs);
    if (outcome.outcome === 'limited') return tooMany(context, reply, outcome.resetMs / 1000);
    if (outcome.outcome === 'capped') return tooMany(context, reply, 3600);
    return checkYourInbox(context, reply);
  });

  app.get('/confirm', async (request, reply) => {
    const token = (request.query as { token?: unknown }).token;
    const payload = await tokenFrom(context, request, reply, token, 'confirm');
    if (!payload) return reply;
    return pages.send(reply, 200, 'confirm', 'Confirm your subscription', {
      email: payload.email,
      token,
      action: '/confirm',
    });
  });

  app.post('/confirm', { preHandler: sameSite }, async (request, reply) => {
    const body = confirmBody.safeParse(request.body ?? {});
    const payload = await tokenFrom(
      context,
      request,
      reply,
      body.success ? body.data.token : undefined,
      'confirm',
    );
    if (!payload) return reply;
    const result = await store.confirmSubscription(payload.nonce ?? '', payload.email, {
      source: 'double-opt-in',
      at: new Date(context.now()).toISOString(),
    });
    if (result.outcome === 'confirmed') {
      request.log.info({ event: 'confirmed', lists: result.lists }, 'subscription confirmed');
      return pages.notice(reply, 200, {
        title: 'You are subscribed',
        paragraphs: [
          `${payload.email} will get ${listNames(result.lists.map((id) => pages.listName(id)))} from the next issue.`,
          'Every bulletin has a link at the bottom to change your lists or leave.',
        ],
        next: { href: '/', text: 'Read the latest bulletins' },
      });
    }
    if (!(await context.badLink(request, reply))) return reply;
    return pages.notice(reply, result.outcome === 'used' ? 410 : 400, {
      title: result.outcome === 'used' ? 'This link has already been used' : 'This link does not work',
      paragraphs: [
        result.outcome === 'used'
          ? 'Each confirmation link works once. If you pressed the button before, you are subscribed.'
          : 'Subscribe again to get a fresh confirmation email.',
      ],
      next: { href: '/subscribe', text: 'Go to the subscribe page' },
    });
  });
}

function checkYourInbox(context: ServiceContext, reply: FastifyReply): FastifyReply {
  return context.pages.fixedNotice(reply, 200, {
    title: 'Check your inbox',
    paragraphs: [
      'We have sent an email to the address you gave. Open the link in it to confirm: nothing is sent to you until you do.',
      'If it has not arrived in a few minutes, look in your spam folder.',
    ],
    next: { href: '/', text: 'Back to the bulletins' },
  });
}

/** The headers @fastify/rate-limit sent on this route's answers, which clients may have come to read. */
function limitHeaders(reply: FastifyReply, max: number, remaining: number, resetMs: number): void {
  reply.header('x-ratelimit-limit', max);
  reply.header('x-ratelimit-remaining', Math.max(0, remaining));
  reply.header('x-ratelimit-reset', Math.ceil(resetMs / 1000));
}

/** The mail of a sign-up, as the queue keeps it. */
function mailOf(kind: ServiceMailKind, message: Mail.Options): SignUpMail {
  return { kind, recipient: String(message.to), message };
}

export function tooMany(
  context: ServiceContext,
  reply: FastifyReply,
  retryAfterSeconds: number,
): FastifyReply {
  reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterSeconds))));
  return context.pages.notice(reply, 429, {
    title: 'Too many tries',
    paragraphs: [`Please wait ${Math.max(1, Math.ceil(retryAfterSeconds / 60))} minute(s) and try again.`],
  });
}
