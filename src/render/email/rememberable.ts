import type { MjmlNode } from './block-key.js';
import { SLOT_MARKER } from './slots.js';
import { printsContentAsIs } from './verbatim-content.js';

/**
 * Whether a block's HTML may be remembered under a key that sets its slot numbers aside
 * (mjml-memo.ts): only if the HTML cannot depend on those numbers. Three things would tie it to them,
 * each found by a hostile review of the memory:
 * - a `{` outside a whole slot marker in an attribute, or in what a tag holds that MJML does not print
 *   as it is between its own tags (verbatim-content.ts): MJML joins some attributes (a navbar's
 *   `base-url` and a link's `href`), so pieces could make a marker that the key does not show;
 * - a marker in an attribute MJML reads as other than text (a number, a size, a colour): an integer
 *   attribute keeps the marker's digits, so `{{{slots.s7}}}` lays out as 7;
 * - a component that draws a random id (mj-carousel, mj-navbar): a remembered one would give two
 *   carousels of one email the same id, tying them together.
 * The rest of the block (its text and the attributes MJML copies as they are) renumbers safely.
 */

/** What a component declares of its attributes: `'string'` is copied as it is. */
export type AttributeTypes = Record<string, { allowedAttributes?: Record<string, string> } | undefined>;

const RANDOM_IDS = new Set(['mj-carousel', 'mj-navbar']);

const WHOLE_MARKERS = new RegExp(SLOT_MARKER.source, 'g');

export function rememberable(node: MjmlNode, components: AttributeTypes): boolean {
  if (RANDOM_IDS.has(node.tagName)) return false;
  if (node.attributes && !attributesRememberable(node.tagName, node.attributes, components)) return false;
  if (typeof node.content === 'string' && !printsContentAsIs(node.tagName) && strayBrace(node.content))
    return false;
  return (node.children ?? []).every((child) => rememberable(child, components));
}

/** The attributes of one `tagName` element: markers only whole, and only where MJML reads text. */
function attributesRememberable(
  tagName: string,
  attributes: Record<string, string | boolean>,
  components: AttributeTypes,
): boolean {
  for (const [name, value] of Object.entries(attributes)) {
    // mjml-parser-xml makes "true" and "false" booleans: no marker in those.
    if (typeof value !== 'string' || !value.includes('{')) continue;
    if (strayBrace(value)) return false;
    if (components[tagName]?.allowedAttributes?.[name] !== 'string') return false;
  }
  return true;
}

/**
 * What the head's elements (mj-attributes above all) and the body's attributes give every block must
 * renumber safely too (rememberable.ts); what the head prints into the head is not a block's.
 */
export function headAndBodyRememberable(
  head: MjmlNode | undefined,
  body: MjmlNode,
  components: AttributeTypes,
): boolean {
  const attributesOf = (node: MjmlNode): boolean =>
    (!node.attributes || attributesRememberable(node.tagName, node.attributes, components)) &&
    (node.children ?? []).every(attributesOf);
  return (
    (!head || attributesOf(head)) && attributesRememberable('mj-body', body.attributes ?? {}, components)
  );
}

function strayBrace(text: string): boolean {
  return text.includes('{') && text.replace(WHOLE_MARKERS, '').includes('{');
}
