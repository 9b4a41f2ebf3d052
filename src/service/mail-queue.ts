import type Mail from 'nodemailer/lib/mailer/index.js';

/** The service's own mail: a double opt-in confirmation, or "you already get it". */
export type ServiceMailKind = 'confirmation' | 'already-subscribed';

export interface QueuedMail {
  id: number;
  kind: ServiceMailKind;
  recipient: string;
  /** Rendered when queued (the link in it is signed then): plain data, stored as JSON. */
  message: Mail.Options;
  /** Including the one this claim is for. */
  attempts: number;
  /** This claim's own token: a later claim of the same mail (after the lease ran out) has another. */
  lease: string;
}

/** One claim of one mail, as the sender holds it. */
export type MailClaim = Pick<QueuedMail, 'id' | 'lease'>;

/**
 * The queue of mail the service has promised ("check your inbox"), as the service needs it.
 * Owned here, by its consumer; the engines are in src/store/. Times are passed in, so a test's clock is the queue's clock.
 */
export interface ServiceMailQueue {
  /** Resolves once the mail is durable: only then may the page say it was sent. */
  enqueue(mail: { kind: ServiceMailKind; recipient: string; message: Mail.Options }, at: Date): Promise<void>;
  /**
   * The oldest mail due by `dueBy`, with one more attempt counted, its next attempt moved to
   * `leaseUntil` and a fresh lease token, in one commit: another sender (a second `serve`) does
   * not take it meanwhile, and one that dies mid-send leaves it to be tried again after the lease.
   * One mail per claim, so a lease never has to outlast a whole batch of slow sends.
   */
  claimNext(dueBy: Date, leaseUntil: Date): Promise<QueuedMail | undefined>;
  /** Moves the lease on while a send is still in progress; false if the claim is no longer held. */
  renew(claim: MailClaim, leaseUntil: Date): Promise<boolean>;
  /**
   * The mail went out: recorded even if the lease ran out meanwhile (it was sent, and must not be
   * sent again); false then, so the sender can say so.
   */
  markSent(claim: MailClaim, at: Date): Promise<boolean>;
  /**
   * A failed attempt: tried again at `retryAt`, or given up for good when it is undefined. Only
   * while the claim is held (false otherwise): a stale sender must not undo another's attempt.
   */
  markFailed(claim: MailClaim, error: string, retryAt: Date | undefined, at: Date): Promise<boolean>;
  /** Deletes mail sent or given up before `before`: it holds an address and a working link. */
  purge(before: Date): Promise<number>;
  close(): Promise<void>;
}
