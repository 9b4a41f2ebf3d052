import { SLOT_MARKER } from './slots.js';

/**
 * The memory key of an MJML block (mjml-memo.ts): its tree as JSON, with the slot markers' numbers
 * replaced by their order of first appearance, so that the same block in two emails has one key.
 */

/** An MJML element as the parser gives it: the parts a key reads. */
export interface MjmlNode {
  tagName: string;
  attributes: Record<string, string>;
  children?: MjmlNode[];
  content?: string;
  line?: number;
}

/** How a renumbered marker is written in keys and remembered HTML (`{{{slots.#0}}}`). */
export const CANONICAL_PREFIX = 'slots.#';

export interface CanonicalKey {
  text: string;
  /** The slot numbers the key's markers stand for: `{{{slots.#0}}}` for the first, and so on. */
  slots: readonly string[];
  extend(more: string): CanonicalKey;
  canonical(html: string): string | undefined;
  restore(html: string): string;
}

/**
 * The JSON of a block's tree without its nodes' source line numbers (the same block on another line
 * renders the same). Written by hand rather than with a replacer function, which takes
 * JSON.stringify off its fast path (a cold `check --all` writes the key of about 11,000 blocks).
 * Only `children` holds nodes; any other value is written whole (a line there is kept: a key that
 * says more only misses more), but a node's `content` as `contentOf` gives it, when given.
 */
export function blockJson(node: MjmlNode, contentOf?: (node: MjmlNode) => string): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(node)) {
    if (name === 'line') continue;
    const json =
      name === 'children' && Array.isArray(value)
        ? `[${value.map((child) => (isNode(child) ? blockJson(child, contentOf) : (JSON.stringify(child) ?? 'null'))).join(',')}]`
        : JSON.stringify(name === 'content' && contentOf ? contentOf(node) : value);
    // As JSON.stringify leaves out a property whose value it cannot write (undefined, a function).
    if (json !== undefined) parts.push(`${JSON.stringify(name)}:${json}`);
  }
  return `{${parts.join(',')}}`;
}

function isNode(value: unknown): value is MjmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'tagName' in value;
}

/**
 * The key with slot numbers replaced by their order of first appearance (s12, s13 -> #0, #1), and the
 * two directions of that renumbering for the block's HTML. `extend` renumbers more text as if it
 * followed this one (the head, then each block of the body, without writing the head again).
 */
export function canonicalSlots(text: string): CanonicalKey {
  return renumbered(text, new Map(), []);
}

/**
 * A key already canonical, for the email whose markers `slots` lists in the key's order (the key's
 * `{{{slots.#0}}}` is `{{{slots.s<slots[0]>}}}`): what `canonicalSlots` would give for its text.
 */
export function keyWithSlots(text: string, slots: readonly string[]): CanonicalKey {
  return canonicalKey(text, new Map(slots.map((number, index) => [number, String(index)])), [...slots]);
}

function renumbered(text: string, local: Map<string, string>, real: string[]): CanonicalKey {
  const canonicalText = text.replace(globalMarkers(), (_marker, number: string) => {
    let name = local.get(number);
    if (name === undefined) {
      name = String(real.length);
      local.set(number, name);
      real.push(number);
    }
    return `{{{${CANONICAL_PREFIX}${name}}}}`;
  });
  return canonicalKey(canonicalText, local, real);
}

function canonicalKey(canonicalText: string, local: Map<string, string>, real: string[]): CanonicalKey {
  return {
    text: canonicalText,
    slots: real,
    extend: (more) => renumbered(more, new Map(local), [...real]),
    canonical(html) {
      if (html.includes(CANONICAL_PREFIX)) return undefined;
      let unknown = false;
      const out = html.replace(globalMarkers(), (marker, number: string) => {
        const name = local.get(number);
        if (name === undefined) unknown = true;
        return name === undefined ? marker : `{{{${CANONICAL_PREFIX}${name}}}}`;
      });
      return unknown ? undefined : out;
    },
    restore: (html) =>
      html.replace(
        /\{\{\{slots\.#(\d+)\}\}\}/g,
        (_marker, name: string) => `{{{slots.s${real[Number(name)]}}}}`,
      ),
  };
}

function globalMarkers(): RegExp {
  return new RegExp(SLOT_MARKER.source, 'g');
}

/** Tags whose rendering reads no sibling information but whether they come first (see mjml-section). */
const FIRST_ONLY = new Set(['mj-section', 'mj-raw']);

/**
 * The part of a block's key that says where it stands among its siblings: only whether it comes
 * first for mj-section and mj-raw, whose code reads no other; all of it for any other tag.
 */
export function placeKey(tagName: string, index: number, siblings: number): string {
  const first = index === 0;
  return JSON.stringify(FIRST_ONLY.has(tagName) ? { first } : { first, index, last: index + 1 === siblings });
}
