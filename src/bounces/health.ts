import type { BounceCounts } from './store.js';

/**
 * Gmail's advice to bulk senders is to keep complaints under 0.1 % and never reach 0.3 %, past
 * which Gmail and Yahoo junk or refuse their mail; more than about 2 % hard bounces marks a list
 * that keeps mailing dead addresses (https://support.google.com/a/answer/81126).
 */
export const COMPLAINT_WARNING = 0.001;
export const COMPLAINT_ALERT = 0.003;
export const HARD_BOUNCE_ALERT = 0.02;

export interface HealthNote {
  level: 'warning' | 'alert';
  text: string;
}

/** One list's send of one issue, as `bulletin status` and the preview show it. */
export interface Deliverability extends BounceCounts {
  /** Shares of `sent` (0 to 1); null while nothing was sent. */
  rates: { delivered: number | null; hard: number | null; soft: number | null; complaints: number | null };
  notes: HealthNote[];
}

const share = (count: number, sent: number) => (sent > 0 ? count / sent : null);

/** "0.25 %", to two decimals at most: a rate near a threshold must not round onto it. */
export function percent(rate: number | null): string {
  if (rate === null) return '-';
  return `${Number((rate * 100).toFixed(2))} %`;
}

export function deliverabilityOf(counts: BounceCounts): Deliverability {
  const rates = {
    delivered: share(counts.delivered, counts.sent),
    hard: share(counts.hard, counts.sent),
    soft: share(counts.soft, counts.sent),
    complaints: share(counts.complaints, counts.sent),
  };
  const notes: HealthNote[] = [];
  const complaints = rates.complaints ?? 0;
  if (complaints > COMPLAINT_ALERT)
    notes.push({
      level: 'alert',
      text:
        `complaint rate ${percent(complaints)} is past ${percent(COMPLAINT_ALERT)}, the rate at which Gmail and ` +
        'Yahoo junk or refuse bulk mail: find out why readers mark it as spam before the next send',
    });
  else if (complaints > COMPLAINT_WARNING)
    notes.push({
      level: 'warning',
      text:
        `complaint rate ${percent(complaints)} is past ${percent(COMPLAINT_WARNING)}, Gmail's advice for bulk ` +
        'senders: make the unsubscribe link easy to find and mail only those who asked',
    });
  const hard = rates.hard ?? 0;
  if (hard > HARD_BOUNCE_ALERT)
    notes.push({
      level: 'alert',
      text:
        `hard-bounce rate ${percent(hard)} is past ${percent(HARD_BOUNCE_ALERT)}: the list holds dead addresses ` +
        '(an old import?); receiving servers take it as a sign of a bought or neglected list',
    });
  return { ...counts, rates, notes };
}

/** One line: what was heard of the send after it left. */
export function deliverabilityLine(d: Deliverability): string {
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  return (
    `${d.sent} sent, ${d.delivered} delivered (${percent(d.rates.delivered)}), ` +
    `bounced ${d.hard} hard (${percent(d.rates.hard)}) / ${d.soft} soft (${percent(d.rates.soft)}), ` +
    `${plural(d.complaints, 'complaint', 'complaints')} (${percent(d.rates.complaints)})`
  );
}
