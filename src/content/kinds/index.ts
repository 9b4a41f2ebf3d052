import type { z } from 'zod';
import type { KindSpec } from './kind.js';
import { type MeetingData, meetings } from './meetings.js';
import { network } from './network.js';
import { news } from './news.js';
import { programme } from './programme.js';

/**
 * Every kind of item, one entry each (see kind.ts for what an entry holds, and README.md for how
 * to add one). The order is the one error messages and `bulletin add --help` list them in.
 */
export const kinds = { network, programme, news, meetings } as const;

export type ItemKind = keyof typeof kinds;
export const itemKinds = Object.keys(kinds) as [ItemKind, ...ItemKind[]];

/** The front matter of an item of any kind, discriminated by `kind`. */
export type ItemFrontMatter = { [K in ItemKind]: z.infer<(typeof kinds)[K]['schema']> }[ItemKind];

export function isItemKind(kind: unknown): kind is ItemKind {
  return typeof kind === 'string' && Object.hasOwn(kinds, kind);
}

export function kindSpec(kind: ItemKind): KindSpec<ItemKind> {
  return kinds[kind];
}

/** Whether items of the kind are titled articles (not entries gathered into the calendar). */
export function isProse(kind: ItemKind): boolean {
  return kindSpec(kind).presents === 'prose';
}

/**
 * The section that titles the calendar block (the first calendar kind's): the config is checked to
 * have a section for every kind, so it is there unless a config was built without that check.
 */
export function calendarSection<S extends { kind: string; title: string }>(sections: readonly S[]) {
  return sections.find((s) => isItemKind(s.kind) && kindSpec(s.kind).presents === 'calendar');
}

/** The calendar entries an item's front matter holds: a calendar kind's list, none for prose. */
export function calendarEntries(front: ItemFrontMatter): readonly MeetingData[] {
  return 'meetings' in front ? front.meetings : [];
}

export { meetingPath, type MeetingData, meetingSchema } from './meetings.js';
export type { KindSpec } from './kind.js';
