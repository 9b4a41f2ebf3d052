import type { SubscriberStore } from '../subscribers/store.js';

/**
 * How long an answer about a batch of claimed rows stands in for asking again: an unsubscribe is
 * honoured within this long, and a fast send asks once per batch instead of once per message (a
 * round trip each on PostgreSQL).
 */
export const SENDABLE_FRESH_MS = 1000;

/**
 * Whether each claimed address may still be mailed when its turn comes. The claim queue asks for
 * a whole batch at once; a row whose turn comes later than SENDABLE_FRESH_MS after that is asked
 * about again on its own.
 */
export class SendableCheck {
  private readonly answers = new Map<string, { sendable: boolean; at: number }>();

  constructor(
    private readonly store: Pick<SubscriberStore, 'isSendable' | 'sendableAmong'>,
    private readonly list: string,
    private readonly freshMs = SENDABLE_FRESH_MS,
  ) {}

  async prefetch(emails: readonly string[]): Promise<void> {
    // The time before asking: a change committed while the question is on its way may be missed.
    const at = Date.now();
    const sendable = await this.store.sendableAmong(emails, this.list);
    for (const email of emails) this.answers.set(email, { sendable: sendable.has(email), at });
  }

  async isSendable(email: string): Promise<boolean> {
    const answer = this.answers.get(email);
    this.answers.delete(email);
    if (answer && Date.now() - answer.at <= this.freshMs) return answer.sendable;
    return this.store.isSendable(email, this.list);
  }
}
