import type { CanonicalKey } from './block-key.js';
import { SLOT_MARKER } from './slots.js';

/**
 * What mjml-memo.ts remembers for the rest of the process: each block's HTML by its key, the blocks
 * to lay out whole, and the heads seen. Bounded: past MAX_REMEMBERED it starts again rather than grow.
 */

/** What rendering a block asked of the head, to be asked again when the block comes from memory. */
export type HeadEffect = [kind: 'addMediaQuery' | 'addHeadStyle' | 'addComponentHeadSyle', args: unknown[]];

export interface Remembered {
  html: string;
  effects: HeadEffect[];
}

/** Enough for every distinct block of many template sets; past it, start again rather than grow. */
const MAX_REMEMBERED = 20_000;
const remembered = new Map<string, Remembered>();
/** Keys of blocks whose layout did not hold each content stand-in once: laid out with their content. */
const keptWhole = new Set<string>();
/** The heads (with body and root attributes) seen, canonical, each with its number in the keys. */
const heads = new Map<string, number>();
let headsSeen = 0;

export function internedHead(text: string): number {
  let id = heads.get(text);
  if (id === undefined) {
    // Numbers are never given twice, so a key of a forgotten head can match nothing new.
    if (heads.size >= MAX_REMEMBERED) heads.clear();
    id = headsSeen++;
    heads.set(text, id);
  }
  return id;
}

/** The remembered HTML and head effects of the block with this key. */
export function recall(key: string): Remembered | undefined {
  return remembered.get(key);
}

export function isKeptWhole(key: string): boolean {
  return keptWhole.has(key);
}

/** A block whose layout did not hold each content stand-in once: laid out whole from now on. */
export function keepWhole(key: string): void {
  keptWhole.add(key);
}

export function remember(key: CanonicalKey, { html, effects }: Remembered): void {
  const stored = key.canonical(html);
  // A marker in what the head receives, or one the key does not know, cannot be renumbered: not kept.
  if (stored !== undefined && !SLOT_MARKER.test(JSON.stringify(effects))) {
    if (remembered.size >= MAX_REMEMBERED) {
      remembered.clear();
      keptWhole.clear();
    }
    remembered.set(key.text, { html: stored, effects });
  }
}

const counts = { remembered: 0, rendered: 0 };

export function count(what: 'remembered' | 'rendered', blocks = 1): void {
  counts[what] += blocks;
}

/** How many blocks came from memory and how many were laid out, since the process started. */
export function memoizedBlockCounts(): { remembered: number; rendered: number } {
  return { ...counts };
}
