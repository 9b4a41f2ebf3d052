import { calendarSection } from './kinds/index.js';
import type { Config, Item } from './model.js';

/** An item's programmes: a programme item's own first, then those it lists, each once. */
export function programmesOf(item: Pick<Item, 'programme' | 'programmes'>): string[] {
  return [...new Set([...(item.programme ? [item.programme] : []), ...item.programmes])];
}

/** The heading of the meetings section: the config's, else the one every site had before it was set. */
export function meetingsTitle(config: Pick<Config, 'sections'>): string {
  return calendarSection(config.sections)?.title ?? "What's happening next week?";
}
