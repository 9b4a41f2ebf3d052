import { createRequire } from 'node:module';
import {
  blockJson,
  CANONICAL_PREFIX,
  type CanonicalKey,
  canonicalSlots,
  type MjmlNode,
} from './block-key.js';

export type { MjmlNode } from './block-key.js';
import { SLOT_MARKER } from './slots.js';

/**
 * MJML's body, rendered one top-level block (mj-section, mj-raw...) at a time, each block's HTML
 * remembered for the rest of the process. Content reaches MJML only as slot markers (slots.ts), so
 * the corpus's ~11,000 sections are ~550 distinct blocks once the markers' numbers are set aside:
 * most of a cold `check --all` or `build` used to be MJML laying out the same blocks again.
 *
 * `withRememberedBlocks` parses the email's MJML and looks each block up before MJML sees it: a
 * block's HTML is a function of what its key holds, its own MJML as written (its text, or where that
 * cannot be cut out, its tree without source line numbers: `blockTexts`), the document's `<mjml>` attributes, its head and its mj-body's attributes (all
 * that MJML's global data, mj-attributes and the body's context are made from), and its place among
 * its siblings (only "first or not" for mj-section and mj-raw, whose code reads no other; all of it
 * for any other tag). A block found is replaced by an empty mj-raw, so MJML neither validates nor
 * merges attributes into it again (a third of MJML's time per email); the body (`memoizedBodyPreset`)
 * puts its HTML back and replays, in order, what rendering it added to the head (media queries,
 * component styles). Everything else (the head, Outlook comment merging, the skeleton) is MJML's own
 * code on every call. `__tests__/mjml-memo.test.ts` compares it with plain MJML.
 */

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
  props: { children: MjmlNode[]; blockPlan?: PlannedBlock[] };
  context: BodyHelpers;
  getChildContext(): BodyHelpers;
}

type BodyClass = new (...args: never[]) => BodyInstance & { renderChildren(...args: unknown[]): string };

interface MjmlCore {
  components: Record<string, unknown>;
  initComponent(init: { name: string; initialDatas: object }): MjmlComponent | null;
}

type MjmlParser = (source: string, options: object) => MjmlNode;

interface Place {
  first: boolean;
  index: number;
  last: boolean;
  sibling: number;
  nonRawSiblings: number;
}

/** What the body is told of each of its children before MJML sees them. */
interface PlannedBlock {
  place: Place;
  /** Absent when the block cannot be remembered (its key would be ambiguous). */
  key?: CanonicalKey;
  /** Its HTML and head effects from memory: the child in the tree is then an empty stand-in. */
  hit?: Remembered;
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
/** The heads (with body and root attributes) seen, canonical, each with its number in the keys. */
const heads = new Map<string, number>();
let headsSeen = 0;

function internedHead(text: string): number {
  let id = heads.get(text);
  if (id === undefined) {
    // Numbers are never given twice, so a key of a forgotten head can match nothing new.
    if (heads.size >= MAX_REMEMBERED) heads.clear();
    id = headsSeen++;
    heads.set(text, id);
  }
  return id;
}

/** Tags whose rendering reads no sibling information but whether they come first (see mjml-section). */
const FIRST_ONLY = new Set(['mj-section', 'mj-raw']);

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

let mjmlCore: MjmlCore | undefined;

/** The mjml-core instance the `mjml` package itself uses (and registered its components in). */
function loadMjmlCore(): MjmlCore {
  if (!mjmlCore) {
    const fromHere = createRequire(import.meta.url);
    // Loading `mjml` registers its components (mj-body among them) in mjml-core's registry.
    fromHere('mjml');
    mjmlCore = createRequire(fromHere.resolve('mjml'))('mjml-core') as MjmlCore;
  }
  return mjmlCore;
}

let parser: MjmlParser | undefined;

/** The XML parser mjml-core itself calls on a string, from the same installation. */
function loadMjmlParser(): MjmlParser {
  if (!parser) {
    const core = createRequire(createRequire(import.meta.url).resolve('mjml')).resolve('mjml-core');
    parser = createRequire(core)('mjml-parser-xml') as MjmlParser;
  }
  return parser;
}

/**
 * The email's MJML parsed as `mjml2html` parses a string (the same parser and options; includes are
 * ignored, as they are by default), with the body's blocks looked up in memory: pass the result to
 * `mjml2html` with `memoizedBodyPreset()` among its presets.
 */
export function withRememberedBlocks(source: string, templatesDir: string): MjmlNode {
  const core = loadMjmlCore();
  const tree = loadMjmlParser()(source, {
    keepComments: false,
    components: { ...core.components, 'mj-body': memoizedBodyPreset().components[0] },
    filePath: templatesDir,
    actualPath: '.',
    preprocessors: [],
    ignoreIncludes: true,
  });
  const body = tree.children?.find((child) => child.tagName === 'mj-body');
  if (body?.children) planBlocks(core, tree, body as MjmlNode & { children: MjmlNode[] }, source);
  return tree;
}

function planBlocks(
  core: MjmlCore,
  tree: MjmlNode,
  body: MjmlNode & { children: MjmlNode[] },
  source: string,
): void {
  const components = core.components as BodyHelpers['components'];
  const rawTags = Object.values(components)
    .filter((c) => c.isRawElement())
    .map((c) => c.getTagName());
  const children = body.children;
  const nonRawSiblings = children.filter((child) => !rawTags.includes(child.tagName)).length;
  const head = tree.children?.find((child) => child.tagName === 'mj-head');
  const shared = [
    JSON.stringify(tree.attributes),
    head ? blockJson(head) : 'null',
    JSON.stringify(body.attributes),
  ].join(',');
  // A template that writes the canonical form itself could collide with a renumbered key: no memory.
  const sharedKey = shared.includes(CANONICAL_PREFIX) ? undefined : canonicalSlots(shared);
  // Keys name the head by a number: written out, it was most of every key's length.
  const headId = sharedKey && internedHead(sharedKey.text);
  const texts = blockTexts(source, children);
  const plan = children.map((child, index): PlannedBlock => {
    const place = { first: index === 0, index, last: index + 1 === children.length };
    const where = FIRST_ONLY.has(child.tagName) ? { first: place.first } : place;
    const text = texts[index];
    const written = `${text === undefined ? `J${blockJson(child)}` : `T${text}`},${JSON.stringify(where)}`;
    const planned = { place: { ...place, sibling: children.length, nonRawSiblings } };
    if (!sharedKey || written.includes(CANONICAL_PREFIX)) return planned;
    const blockKey = sharedKey.extend(written);
    const key = { ...blockKey, text: `${headId}:${blockKey.text}` };
    const hit = remembered.get(key.text);
    if (hit) children[index] = { tagName: 'mj-raw', attributes: {}, content: '', line: child.line ?? 0 };
    return { ...planned, key, ...(hit ? { hit } : {}) };
  });
  // MJML hands a node's `props` to its component; the body reads its plan there.
  (body as MjmlNode & { props?: object }).props = { blockPlan: plan };
}

/**
 * Each block's MJML as written, where it can be cut out of the source for certain: from the start of
 * the line its tag opens on (only spaces before the tag) to where the next block's tag opens, or the
 * last `</mj-body>`. The parser makes a block's tree from its text alone, so the text is as good a
 * key as the tree's JSON (which says the same less one comment or space) and costs nothing to write:
 * that JSON was a third of the memory's cost. Undefined for a block on a line shared with another.
 */
function blockTexts(source: string, children: readonly MjmlNode[]): (string | undefined)[] {
  const lineStarts = [0];
  for (let at = source.indexOf('\n'); at !== -1; at = source.indexOf('\n', at + 1)) lineStarts.push(at + 1);
  const tagAt = children.map(({ line, tagName }, index) => {
    // A block on the line of the one before it: the first tag on the line would be that block's.
    if (line === undefined || line <= (children[index - 1]?.line ?? 0)) return undefined;
    const lineStart = lineStarts[line - 1];
    if (lineStart === undefined) return undefined;
    let at = lineStart;
    while (source.charCodeAt(at) === 32 || source.charCodeAt(at) === 9) at++;
    const opens =
      source.startsWith(`<${tagName}`, at) && /[\s/>]/.test(source[at + tagName.length + 1] ?? '');
    return opens ? { lineStart, at } : undefined;
  });
  const bodyEnd = source.lastIndexOf('</mj-body>');
  return children.map((_, index) => {
    const start = tagAt[index];
    const end = index + 1 < children.length ? tagAt[index + 1]?.at : bodyEnd;
    return start && end !== undefined && end > start.at ? source.slice(start.lineStart, end) : undefined;
  });
}

function memoizedBody(core: MjmlCore): unknown {
  const MjBody = core.components['mj-body'] as BodyClass | undefined;
  if (!MjBody) throw new Error('mjml did not register mj-body');
  return class MemoizedBody extends MjBody {
    static componentName = 'mj-body';

    // MjBody.render() calls renderChildren() with no arguments; any other use keeps MJML's own,
    // as does a body parsed without `withRememberedBlocks`.
    override renderChildren(...args: unknown[]): string {
      const plan = this.props.blockPlan;
      if (args.length > 0 || !plan) return super.renderChildren(...args);
      const context = this.getChildContext();
      let output = '';
      for (const [index, child] of this.props.children.entries())
        output += renderBlock(core, child, context, plan[index]!);
      return output;
    }
  };
}

function renderBlock(core: MjmlCore, child: MjmlNode, context: BodyHelpers, planned: PlannedBlock): string {
  const { key, hit } = planned;
  if (key && hit) {
    counts.remembered++;
    for (const [kind, args] of hit.effects) context[kind](...args);
    return key.restore(hit.html);
  }
  const { html, effects } = renderFresh(core, child, context, planned.place);
  if (!key) return html;
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
