import type Mail from 'nodemailer/lib/mailer/index.js';
import type {
  ConfirmationCap,
  ConsentSource,
  NewSubscriber,
  SubscriberStore,
  SubscriptionRequest,
} from '../subscribers/store.js';
import type { ServiceMailKind, ServiceMailQueue } from './mail-queue.js';
import type { RateLimitStore } from './rate-limits.js';

/** The mail a sign-up queues. */
export interface SignUpMail {
  kind: ServiceMailKind;
  recipient: string;
  message: Mail.Options;
}

/** One sign-up from the form, as the route has checked it. */
export interface SignUp {
  /** The client's limit, counted first: a sign-up over it changes nothing but the count. */
  limit: { key: string; max: number; windowMs: number };
  subscriber: NewSubscriber;
  lists: readonly string[];
  consent: ConsentSource;
  /** The mailbox's limit of confirmations (store.ts `requestSubscription`). */
  cap: ConfirmationCap;
  /**
   * The mail to queue for the store's answer. A store may call it inside its transaction, so it
   * must be synchronous and touch nothing but its arguments.
   */
  mailFor(request: { nonce: string; alreadySubscribed: boolean }): SignUpMail;
}

/**
 * What became of a sign-up (`queued` only once its mail is durable), with what is left of the
 * client's limit and when its window ends.
 */
export type SignUpOutcome = { remaining: number; resetMs: number } & (
  | { outcome: 'limited' }
  | { outcome: 'capped' }
  | { outcome: 'queued'; kind: ServiceMailKind }
);

/** Where a sign-up is counted, recorded and its mail queued. */
export interface SignUpStore {
  signUp(signUp: SignUp, now: Date): Promise<SignUpOutcome>;
}

/**
 * The three steps of a sign-up, synchronous, for a store that can run all three inside one
 * transaction (sqlite/service-stores.ts): one commit, one fsync, instead of one each.
 */
export interface SignUpSteps {
  hit(key: string, windowMs: number, now: Date): { count: number; resetAt: Date };
  request(signUp: SignUp): SubscriptionRequest;
  enqueue(mail: SignUpMail, now: Date): void;
}

/** A sign-up's steps, in one synchronous run: for a store that runs it inside one transaction. */
export function signUpNow(steps: SignUpSteps, signUp: SignUp, now: Date): SignUpOutcome {
  const { max, key, windowMs } = signUp.limit;
  const { count, resetAt } = steps.hit(key, windowMs, now);
  const limit = { remaining: Math.max(0, max - count), resetMs: resetAt.getTime() - now.getTime() };
  if (count > max) return { outcome: 'limited', ...limit };
  const requested = steps.request(signUp);
  if (requested.capped) return { outcome: 'capped', ...limit };
  const mail = signUp.mailFor(requested);
  steps.enqueue(mail, now);
  return { outcome: 'queued', kind: mail.kind, ...limit };
}

/**
 * A sign-up over any engine's stores: the count, the sign-up and the mail, each its own commit.
 * The same steps and answers as `signUpNow` (kept side by side so they stay so; the store
 * contract test runs both).
 */
export function signUpsOver(stores: {
  rateLimits: RateLimitStore;
  subscribers: SubscriberStore;
  mailQueue: ServiceMailQueue;
}): SignUpStore {
  return {
    async signUp(signUp, now) {
      const { max, key, windowMs } = signUp.limit;
      const { count, resetAt } = await stores.rateLimits.hit(key, windowMs, now);
      const limit = { remaining: Math.max(0, max - count), resetMs: resetAt.getTime() - now.getTime() };
      if (count > max) return { outcome: 'limited', ...limit };
      const { subscriber, lists, consent, cap } = signUp;
      const requested = await stores.subscribers.requestSubscription(subscriber, lists, consent, cap);
      if (requested.capped) return { outcome: 'capped', ...limit };
      const mail = signUp.mailFor(requested);
      await stores.mailQueue.enqueue(mail, now);
      return { outcome: 'queued', kind: mail.kind, ...limit };
    },
  };
}
