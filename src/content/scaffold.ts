import { stringify } from 'yaml';
import { addDays } from '../support/dates.js';
import type { ItemKind } from './schema.js';

/**
 * Skeletons written by `bulletin new` and `bulletin add`. They are valid content, with TK where a
 * person must write, so `bulletin check` passes them with a warning that points at each gap.
 */
export function issueSkeleton(date: string): string {
  return `---\n${stringify({ title: 'TK headline of this week’s bulletin', date, summary: 'TK one sentence shown as the email preheader' }, { lineWidth: 0 })}author:\n  name: TK\n  role: TK\n---\nTK the lead article.\n`;
}

export function meetingsSkeleton(date: string): string {
  const meetings = [
    {
      title: 'TK meeting',
      date: addDays(date, 4),
      start: '10:00',
      end: '11:00',
      location: 'TK',
      description: 'TK what it is for',
    },
  ];
  return `---\n${stringify({ kind: 'meetings', title: 'Next week’s meetings', meetings }, { lineWidth: 0 })}---\n`;
}

export function itemSkeleton(kind: ItemKind, title: string, date: string, programme?: string): string {
  if (kind === 'meetings') return meetingsSkeleton(date);
  const front: Record<string, unknown> = { kind, title };
  if (kind === 'programme') front.programme = programme;
  return `---\n${stringify(front, { lineWidth: 0 })}---\nTK the text of this item.\n`;
}

export function slug(title: string): string {
  return (
    title
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 50)
      .replace(/-$/, '') || 'item'
  );
}
