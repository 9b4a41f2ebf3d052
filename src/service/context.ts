import type {} from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Config } from '../content/model.js';
import type { Secrets } from '../dispatch/secret.js';
import { verifyToken, type TokenPayload, type TokenPurpose } from '../dispatch/tokens.js';
import type { SubscriberStore } from '../subscribers/store.js';
import type { SignUp, SignUpOutcome } from './sign-up.js';
import type { Pages } from './render.js';

/** What every route of the service works with. */
export interface ServiceContext {
  app: FastifyInstance;
  config: Config;
  store: SubscriberStore;
  secrets: Secrets;
  /** Counts, records and queues the mail of a sign-up (durable when this resolves); the mail is sent from the queue. */
  signUp(signUp: SignUp): Promise<SignUpOutcome>;
  pages: Pages;
  now: () => number;
  /** Counts a request with a bad link against its client address; false once over the limit (429 sent). */
  badLink(request: FastifyRequest, reply: FastifyReply): Promise<boolean>;
}

const DAY = 86_400;

/** Checkbox values: a form sends one as a string and several as an array; up to 20 list ids. */
export const listIds = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]))
  .pipe(z.array(z.string().max(64)).max(20));

/**
 * The token of a link, checked for its purpose, age and signature (current or previous key, in
 * constant time). A bad one answers a page that says what to do, and counts against the client.
 */
export async function tokenFrom(
  context: ServiceContext,
  request: FastifyRequest,
  reply: FastifyReply,
  token: unknown,
  purpose: TokenPurpose,
): Promise<TokenPayload | undefined> {
  const days = purpose === 'confirm' ? context.config.service.confirmDays : context.config.service.linkDays;
  const result =
    typeof token === 'string' && token.length <= 2000
      ? verifyToken(context.secrets.all, token, purpose, days * DAY, context.now() / 1000)
      : ({ ok: false, reason: 'malformed' } as const);
  if (result.ok && (purpose === 'confirm' || context.config.lists.some((l) => l.id === result.payload.list)))
    return result.payload;
  if (!(await context.badLink(request, reply))) return undefined;
  const expired = !result.ok && result.reason === 'expired';
  context.pages.notice(reply, 400, {
    title: expired ? 'This link has expired' : 'This link does not work',
    paragraphs: [
      expired
        ? 'Links in our emails stop working after a while, to keep your subscription safe.'
        : 'The link may have been cut short or changed when it was copied.',
      purpose === 'confirm'
        ? 'Subscribe again to get a fresh confirmation email.'
        : 'Use the link in a more recent bulletin, or subscribe again from the subscribe page.',
    ],
    next: { href: '/subscribe', text: 'Go to the subscribe page' },
  });
  request.log.info(
    { event: 'bad-link', purpose, reason: result.ok ? 'unknown-list' : result.reason },
    'a link was refused',
  );
  return undefined;
}
