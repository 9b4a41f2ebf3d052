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
}

/**
 * The queue of mail the service has promised ("check your inbox"), as the service needs it.
 * Owned here, by its consumer; SQLite now (sqlite-mail-queue.ts), another database behind the
 * same methods later. Times are passed in, so a test's clock is the queue's clock.
 */
export interface ServiceMailQueue {
  /** Resolves once the mail is durable: only then may the page say it was sent. */
  enqueue(mail: { kind: ServiceMailKind; recipient: string; message: Mail.Options }, at: Date): Promise<void>;
  /**
   * Up to `limit` mails due by `dueBy`, oldest first, each with one more attempt counted and its
   * next attempt moved to `leaseUntil`, in one commit: another sender (a second `serve`) does not
   * take them meanwhile, and one that dies mid-send leaves them to be tried again after the lease.
   */
  claimDue(dueBy: Date, leaseUntil: Date, limit: number): Promise<QueuedMail[]>;
  markSent(id: number, at: Date): Promise<void>;
  /** Claimed mail not tried after all (the server is stopping): due again at once, the attempt not counted. */
  release(ids: readonly number[], at: Date): Promise<void>;
  /** A failed attempt: tried again at `retryAt`, or given up for good when it is undefined. */
  markFailed(id: number, error: string, retryAt: Date | undefined, at: Date): Promise<void>;
  /** Deletes mail sent or given up before `before`: it holds an address and a working link. */
  purge(before: Date): Promise<number>;
  close(): Promise<void>;
}
