/**
 * The subscriber store as its consumers (the CLI now, dispatch and the subscription service
 * next) need it. Every method is async, so a PostgreSQL implementation fits behind the same
 * interface; SQLite (src/store/sqlite/subscribers.ts) is the embedded default.
 */
export const LIST_STATUSES = ['pending', 'subscribed', 'unsubscribed', 'bounced', 'complained'] as const;
export type ListStatus = (typeof LIST_STATUSES)[number];

/** Statuses an import or a CLI add must never overwrite: the person said no, or the address is dead. */
export const KEPT_OUT: readonly ListStatus[] = ['unsubscribed', 'bounced', 'complained'];

/** How and where a change came about, recorded with its time in the consent log. */
export interface ConsentSource {
  /** e.g. `import:members.csv`, `cli`, `form`, `one-click`, `smtp-bounce`. */
  source: string;
  /** ISO 8601; defaults to now. */
  at?: string;
  /**
   * What the change rests on, kept with it in the consent log (as JSON): for a bounce or a complaint
   * the status code, the remote server's words and the report's message id.
   */
  evidence?: Record<string, string>;
}

/** The evidence as the consent log keeps it (JSON text), or NULL when there is none. */
export function evidenceJson(evidence: Record<string, string> | undefined): string | null {
  return evidence && Object.keys(evidence).length > 0 ? JSON.stringify(evidence) : null;
}

/** The consent log's evidence read back. */
export function evidenceFrom(text: string | null): Record<string, string> | null {
  return text ? (JSON.parse(text) as Record<string, string>) : null;
}

export interface NewSubscriber {
  /** Normalized (address.ts). */
  email: string;
  name?: string;
  attributes?: Record<string, string>;
}

export interface SubscriberRecord {
  email: string;
  name: string | null;
  attributes: Record<string, string>;
  list: string;
  status: ListStatus;
  /** When and how the current status was given. */
  statusAt: string;
  statusSource: string;
  /** What that status rests on, when the change that gave it kept evidence (a bounce's status code...). */
  statusEvidence: Record<string, string> | null;
}

export interface ImportOutcome {
  added: number;
  updated: number;
  unchanged: number;
  /** Addresses that had unsubscribed (or bounced, or complained) and were left so. */
  keptOut: number;
}

export interface StatusCount {
  list: string;
  status: ListStatus;
  count: number;
}

/** At most `max` confirmations per mailbox since `since`. */
export interface ConfirmationCap {
  max: number;
  since: Date;
}

export type SubscriptionRequest =
  | { capped: false; nonce: string; alreadySubscribed: boolean }
  | { capped: true };

export interface SubscriberStore {
  /** Adds or updates every row in one transaction: all of them, or none. Never resubscribes. */
  importSubscribers(
    list: string,
    rows: readonly NewSubscriber[],
    consent: ConsentSource,
  ): Promise<ImportOutcome>;
  /** Adds one address to a list with a status (subscribed from the CLI, pending from a form). */
  addSubscriber(
    list: string,
    subscriber: NewSubscriber,
    status: ListStatus,
    consent: ConsentSource,
  ): Promise<{ created: boolean; status: ListStatus }>;
  /**
   * Changes one address's status on a list; false if it is not on the list, or (with `onlyFrom`)
   * if its status is not one of those, checked and changed in one step.
   */
  setStatus(
    email: string,
    list: string,
    status: ListStatus,
    consent: ConsentSource,
    onlyFrom?: readonly ListStatus[],
  ): Promise<boolean>;
  /** Never mail this address again, on any list (a hard bounce, a complaint, "remove me everywhere"). */
  suppress(
    email: string,
    reason: 'bounced' | 'complained' | 'unsubscribed',
    consent: ConsentSource,
  ): Promise<void>;
  isSuppressed(email: string): Promise<boolean>;
  /** Whether a message may go to this address on this list now: subscribed there and not suppressed. */
  isSendable(email: string, list: string): Promise<boolean>;
  /** Of these addresses, the ones `isSendable` says yes to, in one question. */
  sendableAmong(emails: readonly string[], list: string): Promise<Set<string>>;
  /** Everyone a send to the list goes to: subscribed there and not suppressed; streamed. */
  recipients(list: string): AsyncIterable<{ email: string; name: string | null }>;
  /**
   * A subscribe form was sent: the address becomes pending on each list it is new to (a "no" or
   * a subscription already there stays as it is), and a single-use confirmation is recorded.
   * With a `cap`, nothing is recorded (`capped`) when the address's mailbox already had `max`
   * confirmations since `since`: counted and recorded in the same change, so requests arriving
   * together cannot all pass the count before any of them is written.
   */
  requestSubscription(
    subscriber: NewSubscriber,
    lists: readonly string[],
    consent: ConsentSource,
    cap?: ConfirmationCap,
  ): Promise<SubscriptionRequest>;
  /**
   * How many confirmations were made since `since` for the address's mailbox: the address and any
   * +tag of it (address.ts `mailboxOf`), so a limit per person survives restarts and +tags.
   */
  confirmationsSince(email: string, since: Date): Promise<number>;
  /**
   * Spends a confirmation: the address is subscribed to the lists it asked for (double opt-in), lifting an
   * earlier "no".
   */
  confirmSubscription(
    nonce: string,
    email: string,
    consent: ConsentSource,
  ): Promise<{ outcome: 'confirmed'; lists: string[] } | { outcome: 'used' | 'unknown' }>;
  /**
   * Data minimisation: sign-ups still pending from before `before`, with no confirmation link of
   * theirs still working, are removed from their lists, and unused confirmations older than that
   * (they hold the name typed on the form) deleted. The consent log keeps every step, and says so.
   */
  purgeUnconfirmed(
    before: Date,
    consent: ConsentSource,
  ): Promise<{ memberships: number; confirmations: number }>;
  /**
   * The subscriber's id (kept for as long as the address is known, whatever its status): what a bounce
   * token names, so the token carries no address.
   */
  idOf(email: string): Promise<number | undefined>;
  /** The address behind an id (from a bounce token), or undefined when there is none. */
  emailOf(id: number): Promise<string | undefined>;
  /** Every list the address is on, with its status. */
  memberships(email: string): Promise<{ list: string; status: ListStatus }[]>;
  counts(): Promise<StatusCount[]>;
  /** Streams, so 100,000 subscribers never sit in memory at once. */
  subscribers(list?: string): AsyncIterable<SubscriberRecord>;
  close(): Promise<void>;
}
