import { createRequire } from 'node:module';
import { SLOT_MARKER } from './slots.js';

/**
 * MJML's body, rendered one top-level block (mj-section, mj-raw...) at a time, each block's HTML
 * remembered for the rest of the process. Content reaches MJML only as slot markers (slots.ts), so
 * the corpus's ~11,000 sections are ~550 distinct blocks once the markers' numbers are set aside:
 * most of a cold `check --all` or `build` used to be MJML laying out the same blocks again.
 *
 * A block's HTML is a function of what this key holds: its own MJML tree (attributes already
 * merged with mj-attributes), the context MJML gives it (container width, gap, direction), the
 * head's global data, and its place among its siblings (only "first or not" for mj-section and
 * mj-raw, whose code reads no other; all of it for any other tag). What rendering a block adds to
 * the head (media queries, component styles) is recorded and replayed, in order, on a hit.
 * Everything else (parsing, strict validation, the head, Outlook comment merging, the skeleton)
 * is MJML's own code on every call. `__tests__/mjml-memo.test.ts` compares it with plain MJML.
 */

/** The parts of MJML's component model this module touches. */
export interface MjmlNode {
  tagName: string;
  attributes: Record<string, string>;
  children?: MjmlNode[];
  content?: string;
  line?: number;
}

interface MjmlComponent {
  render(): string;
}

interface BodyHelpers {
  components: Record<string, { isRawElement(): boolean; getTagName(): string }>;
  globalData: Record<string, unknown>;
  addMediaQuery(...args: unknown[]): void;
  addHeadStyle(...args: unknown[]): void;
  addComponentHeadSyle(...args: unknown[]): void;
  [other: string]: unknown;
}

interface BodyInstance {
  props: { children: MjmlNode[] };
  context: BodyHelpers;
  getChildContext(): BodyHelpers;
}

type BodyClass = new (...args: never[]) => BodyInstance & { renderChildren(...args: unknown[]): string };

interface MjmlCore {
  components: Record<string, unknown>;
  initComponent(init: { name: string; initialDatas: object }): MjmlComponent | null;
}

/** What rendering a block asked of the head, to be asked again when the block comes from memory. */
type HeadEffect = [kind: 'addMediaQuery' | 'addHeadStyle' | 'addComponentHeadSyle', args: unknown[]];

interface Remembered {
  html: string;
  effects: HeadEffect[];
}

/** Enough for every distinct block of many template sets; past it, start again rather than grow. */
const MAX_REMEMBERED = 20_000;
const remembered = new Map<string, Remembered>();

/** Tags whose rendering reads no sibling information but whether they come first (see mjml-section). */
const FIRST_ONLY = new Set(['mj-section', 'mj-raw']);

/** Global data that rendering the body itself writes: not an input of any block. */
const WRITTEN_BY_BODY = new Set(['mediaQueries', 'headStyle', 'componentsHeadStyle']);

/** How a renumbered marker is written in keys and remembered HTML (`{{{slots.#0}}}`). */
const CANONICAL_PREFIX = 'slots.#';

const HEAD_EFFECTS = ['addMediaQuery', 'addHeadStyle', 'addComponentHeadSyle'] as const;

const counts = { remembered: 0, rendered: 0 };

/** How many blocks came from memory and how many were laid out, since the process started. */
export function memoizedBlockCounts(): { remembered: number; rendered: number } {
  return { ...counts };
}

let preset: { components: unknown[]; dependencies: Record<string, never> } | undefined;

/** The MJML preset to pass as `presets: [memoizedBodyPreset()]`: mj-body with remembered blocks. */
export function memoizedBodyPreset(): { components: unknown[]; dependencies: Record<string, never> } {
  preset ??= { components: [memoizedBody(loadMjmlCore())], dependencies: {} };
  return preset;
}

/** The mjml-core instance the `mjml` package itself uses (and registered its components in). */
function loadMjmlCore(): MjmlCore {
  const fromHere = createRequire(import.meta.url);
  // Loading `mjml` registers its components (mj-body among them) in mjml-core's registry.
  fromHere('mjml');
  return createRequire(fromHere.resolve('mjml'))('mjml-core') as MjmlCore;
}

function memoizedBody(core: MjmlCore): unknown {
  const MjBody = core.components['mj-body'] as BodyClass | undefined;
  if (!MjBody) throw new Error('mjml did not register mj-body');
  return class MemoizedBody extends MjBody {
    static componentName = 'mj-body';

    // MjBody.render() calls renderChildren() with no arguments; any other use keeps MJML's own.
    override renderChildren(...args: unknown[]): string {
      if (args.length > 0) return super.renderChildren(...args);
      const children = this.props.children;
      const context = this.getChildContext();
      const rawTags = Object.values(this.context.components)
        .filter((c) => c.isRawElement())
        .map((c) => c.getTagName());
      const nonRawSiblings = children.filter((child) => !rawTags.includes(child.tagName)).length;
      const global = globalInputs(context.globalData);
      let output = '';
      for (const [index, child] of children.entries()) {
        const props = { first: index === 0, index, last: index + 1 === children.length };
        const place = { ...props, sibling: children.length, nonRawSiblings };
        output += renderBlock(core, child, context, place, global);
      }
      return output;
    }
  };
}

function renderBlock(
  core: MjmlCore,
  child: MjmlNode,
  context: BodyHelpers,
  props: { first: boolean; index: number; last: boolean; sibling: number; nonRawSiblings: number },
  global: string,
): string {
  const where = FIRST_ONLY.has(child.tagName) ? { first: props.first } : props;
  const written = `[${blockJson(child)},${JSON.stringify(where)},${JSON.stringify([
    context.containerWidth,
    context.gap,
    context.direction,
  ])},${global}]`;
  // A template that writes the canonical form itself could collide with a renumbered key: no memory.
  if (written.includes(CANONICAL_PREFIX)) return renderFresh(core, child, context, props).html;
  const key = canonicalSlots(written);
  const hit = remembered.get(key.text);
  if (hit) {
    counts.remembered++;
    for (const [kind, args] of hit.effects) context[kind](...args);
    return key.restore(hit.html);
  }
  const { html, effects } = renderFresh(core, child, context, props);
  counts.rendered++;
  const stored = key.canonical(html);
  // A marker in what the head receives, or one the key does not know, cannot be renumbered: not kept.
  if (stored !== undefined && !SLOT_MARKER.test(JSON.stringify(effects))) {
    if (remembered.size >= MAX_REMEMBERED) remembered.clear();
    remembered.set(key.text, { html: stored, effects });
  }
  return html;
}

/** The block rendered as MJML's own renderChildren would, noting what it adds to the head. */
function renderFresh(
  core: MjmlCore,
  child: MjmlNode,
  context: BodyHelpers,
  props: object,
): { html: string; effects: HeadEffect[] } {
  const effects: HeadEffect[] = [];
  const recording: BodyHelpers = { ...context };
  for (const kind of HEAD_EFFECTS) {
    recording[kind] = (...args: unknown[]) => {
      effects.push([kind, args]);
      context[kind](...args);
    };
  }
  const component = core.initComponent({
    name: child.tagName,
    initialDatas: { ...child, attributes: { ...child.attributes }, context: recording, props },
  });
  return { html: component === null ? '' : component.render(), effects };
}

function globalInputs(globalData: Record<string, unknown>): string {
  return JSON.stringify(globalData, (name, value) => (WRITTEN_BY_BODY.has(name) ? undefined : value));
}

/**
 * The JSON of a block's tree without its nodes' source line numbers (the same block on another line
 * renders the same). Written by hand rather than with a replacer function, which takes
 * JSON.stringify off its fast path (a cold `check --all` writes the key of about 11,000 blocks).
 * Only `children` holds nodes; any other value is written whole (a line there is kept: a key that
 * says more only misses more).
 */
export function blockJson(node: MjmlNode): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(node)) {
    if (name === 'line') continue;
    const json =
      name === 'children' && Array.isArray(value)
        ? `[${value.map((child) => (isNode(child) ? blockJson(child) : (JSON.stringify(child) ?? 'null'))).join(',')}]`
        : JSON.stringify(value);
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
 * two directions of that renumbering for the block's HTML.
 */
function canonicalSlots(text: string): {
  text: string;
  canonical(html: string): string | undefined;
  restore(html: string): string;
} {
  const local = new Map<string, string>();
  const real: string[] = [];
  const canonicalText = text.replace(globalMarkers(), (_marker, number: string) => {
    let name = local.get(number);
    if (name === undefined) {
      name = String(real.length);
      local.set(number, name);
      real.push(number);
    }
    return `{{{${CANONICAL_PREFIX}${name}}}}`;
  });
  return {
    text: canonicalText,
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
