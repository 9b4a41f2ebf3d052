import { CANONICAL_PREFIX, type CanonicalKey, canonicalSlots, keyWithSlots, placeKey } from './block-key.js';
import { isKeptWhole, recall } from './block-memory.js';
import type { PlannedBlock } from './memoized-body.js';
import type { MjmlPieces } from './mjml-split.js';
import { textWithContentsAside } from './verbatim-content.js';

/**
 * The keys of an email's blocks found from its MJML text, without parsing it (mjml-split.ts cuts the
 * text). The keys mjml-memo.ts makes from the parsed tree are a function of the text with its slot
 * numbers set aside, so this remembers, for each start (root, head and mj-body's opening tag) and
 * each block's text seen, with their slot numbers made canonical, the key's text and which of the
 * text's markers the key's markers are. An email whose start and blocks were all seen is keyed by
 * looking its pieces up; any other is parsed and keyed as before, and teaches this its pieces.
 *
 * The same text with other slot numbers parses to the same tree with those numbers, and slot numbers
 * change nothing else of a block's layout (rememberable.ts), so what is learned from one email holds
 * for the other. `__tests__/mjml-memo.test.ts` compares the emails with plain MJML.
 */

/** A start seen: what every block's key shares. */
interface KnownStart {
  /** Names the start in its blocks' entries. */
  id: number;
  headId: number;
  /** The shared key's canonical text (mjml-memo.ts). */
  sharedText: string;
  /** Each of the shared key's markers, as its place among the start's markers (in text order). */
  sharedSlots: number[];
}

/**
 * A block text seen: its tag, and its key (with its verbatim contents set aside when it holds any,
 * as mjml-memo.ts keys it unless that key is laid out whole).
 */
interface KnownBlock {
  tagName: string;
  raw: boolean;
  /** The key's text without the head's number and the block's place. */
  text: string;
  /** Each of the key's markers past the shared ones, as its place among the start's and the block's. */
  slots: number[];
}

/** A body's plan, with what its blocks' keys share (the root, the head, the body's attributes). */
export interface PlannedDocument {
  plan: PlannedBlock[];
  sharedKey: CanonicalKey;
  /** `sharedKey`'s number among the heads seen. */
  headId: number;
}

/** Enough for the blocks of many template sets; past it, start again rather than grow. */
const MAX_KNOWN = 20_000;
/** By the start's canonical text; null for a start whose blocks are not remembered. */
const starts = new Map<string, KnownStart | null>();
/** By the start's id and the block's canonical text; null for a block that is not remembered. */
const blocks = new Map<string, KnownBlock | null>();
let startsSeen = 0;

/**
 * The plan mjml-memo.ts would make for the email of `pieces`, when its start and every block are
 * known and every block is in memory; else undefined (the email is then parsed).
 */
export function plannedFromPieces(pieces: MjmlPieces): PlannedDocument | undefined {
  const startKey = canonicalSlots(pieces.prefix);
  const start = starts.get(startKey.text);
  if (!start) return undefined;
  const sharedSlots = start.sharedSlots.map((index) => startKey.slots[index]!);
  const count = pieces.blocks.length;
  const known: { block: KnownBlock; blockText: CanonicalKey; contents: string[] }[] = [];
  for (const piece of pieces.blocks) {
    const { text, contents } = textWithContentsAside(piece);
    const blockText = startKey.extend(text);
    const block = blocks.get(blockId(start, blockText));
    if (!block) return undefined;
    known.push({ block, blockText, contents });
  }
  const nonRawSiblings = known.filter(({ block }) => !block.raw).length;
  const plan: PlannedBlock[] = [];
  for (const [index, { block, blockText, contents }] of known.entries()) {
    const text = `${start.headId}:${block.text},${placeKey(block.tagName, index, count)}`;
    // A block whose layout did not hold its contents' stand-ins is keyed whole: parsed, not planned.
    const hit = contents.length > 0 && isKeptWhole(text) ? undefined : recall(text);
    if (!hit) return undefined;
    const key = keyWithSlots(text, [...sharedSlots, ...block.slots.map((slot) => blockText.slots[slot]!)]);
    const place = { first: index === 0, index, last: index + 1 === count, sibling: count, nonRawSiblings };
    plan.push({ place, key, hit, ...(contents.length > 0 ? { contents } : {}) });
  }
  return { plan, sharedKey: keyWithSlots(start.sharedText, sharedSlots), headId: start.headId };
}

function blockId(start: KnownStart, blockText: CanonicalKey): string {
  return `${start.id}\0${blockText.text}`;
}

/** What mjml-memo.ts found of one parsed block, asked only for a block text not known yet. */
export interface ParsedBlock {
  tagName: string;
  raw: boolean;
  /**
   * What mjml-memo.ts writes into its key: with its verbatim contents set aside when it holds any,
   * else whole. Undefined when the block is not remembered.
   */
  written(): { hollow: { written: string; contents: string[] } } | { whole: string } | undefined;
}

/**
 * Learns the pieces of an email mjml-memo.ts parsed and keyed: its start (with `shared`, the key its
 * blocks' keys extend, unless they are not remembered) and its blocks, `parsed` in order.
 */
export function learnPieces(
  pieces: MjmlPieces,
  shared: { key: CanonicalKey; headId: number } | undefined,
  parsed: readonly ParsedBlock[],
): void {
  if (parsed.length !== pieces.blocks.length) return;
  if (blocks.size >= MAX_KNOWN || starts.size >= MAX_KNOWN) {
    blocks.clear();
    starts.clear();
  }
  const startKey = canonicalSlots(pieces.prefix);
  const start = shared ? knownStart(startKey, shared) : undefined;
  if (!start) {
    starts.set(startKey.text, null);
    return;
  }
  for (const [index, piece] of pieces.blocks.entries()) {
    const aside = textWithContentsAside(piece);
    const blockText = startKey.extend(aside.text);
    const id = blockId(start, blockText);
    if (!blocks.has(id)) blocks.set(id, knownBlock(shared!.key, blockText, aside.contents, parsed[index]!));
  }
}

function knownStart(
  startKey: CanonicalKey,
  shared: { key: CanonicalKey; headId: number },
): KnownStart | undefined {
  const known = starts.get(startKey.text);
  // Another number for the same head: the heads were forgotten (block-memory.ts) and seen again.
  if (known?.headId === shared.headId) return known;
  const sharedSlots = placesIn(startKey, shared.key.slots);
  if (!sharedSlots) return undefined;
  const start = { id: startsSeen++, headId: shared.headId, sharedText: shared.key.text, sharedSlots };
  starts.set(startKey.text, start);
  return start;
}

/**
 * What to remember of a block's text, from its parse: its key, when the parse set aside the very
 * contents the text did (else the cut and the parse disagree, and nothing is learned).
 */
function knownBlock(
  sharedKey: CanonicalKey,
  blockText: CanonicalKey,
  contents: readonly string[],
  block: ParsedBlock,
): KnownBlock | null {
  const written = block.written();
  if (!written) return null;
  const parsedContents = 'hollow' in written ? written.hollow.contents : [];
  const agrees =
    parsedContents.length === contents.length &&
    parsedContents.every((content, i) => content === contents[i]);
  const text = 'hollow' in written ? written.hollow.written : written.whole;
  if (!agrees || text.includes(CANONICAL_PREFIX)) return null;
  const key = sharedKey.extend(text);
  const slots = placesIn(blockText, key.slots.slice(sharedKey.slots.length));
  return slots ? { tagName: block.tagName, raw: block.raw, text: key.text, slots } : null;
}

/** Where each slot number is among `key`'s markers; undefined if one is not among them. */
function placesIn(key: CanonicalKey, slots: readonly string[]): number[] | undefined {
  const places = slots.map((slot) => key.slots.indexOf(slot));
  return places.includes(-1) ? undefined : places;
}
