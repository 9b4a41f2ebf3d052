import {
  blockJson,
  CANONICAL_PREFIX,
  type CanonicalKey,
  canonicalSlots,
  type MjmlNode,
  placeKey,
} from './block-key.js';
import { type MjmlPieces, splitMjml } from './mjml-split.js';
import { learnPieces, type PlannedDocument, plannedFromPieces } from './source-memo.js';

export type { MjmlNode } from './block-key.js';
export type { PlannedDocument } from './source-memo.js';
export {
  countRemembered,
  type LaidOutBody,
  type PlannedBlock,
  type RememberedBlock,
  rememberedHtml,
  takeLastBody,
} from './memoized-body.js';
import { internedHead, isKeptWhole, recall } from './block-memory.js';
import { jsonWithContentsAside, standInsPossible } from './verbatim-content.js';
import { type BodyHelpers, memoizedBody, type MjmlCore, type PlannedBlock } from './memoized-body.js';
import { headAndBodyRememberable, rememberable } from './rememberable.js';
import { requireFromMjmlCore } from './mjml-loader.js';

/**
 * MJML's body, rendered one top-level block (mj-section, mj-raw...) at a time, each block's HTML
 * remembered for the rest of the process. Content reaches MJML only as slot markers (slots.ts), and
 * what mj-text and its like hold is set aside before a block is keyed (verbatim-content.ts), so the
 * corpus's ~11,000 sections are ~20 distinct blocks: most of a cold `check --all` or `build` used to
 * be MJML laying out the same blocks again.
 *
 * `withRememberedBlocks` parses the email's MJML and looks each block up before MJML sees it. A
 * block's HTML is a function of what its key holds:
 * - its own MJML: its tree without source line numbers and with its verbatim contents set aside;
 * - the document's `<mjml>` attributes, its head and its mj-body's attributes (all that MJML's
 *   global data, mj-attributes and the body's context are made from);
 * - its place among its siblings (only "first or not" for mj-section and mj-raw, whose code reads
 *   no other; all of it for any other tag).
 * A block whose HTML could depend on its slots' numbers is not remembered (rememberable.ts).
 * A block found is replaced by an empty mj-raw, so MJML neither validates nor merges attributes into
 * it again (a third of MJML's time per email); the body (`memoizedBodyPreset`) puts its HTML and
 * contents back and replays, in order, what rendering it added to the head (media queries,
 * component styles). Everything else (the head, Outlook comment merging, the skeleton) is MJML's own
 * code on every call, unless the page around the blocks is remembered too (document-memo.ts).
 * `__tests__/mjml-memo.test.ts` compares it with plain MJML.
 */

type MjmlParser = (source: string, options: object) => MjmlNode;

export { memoizedBlockCounts } from './block-memory.js';

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
    // Loading `mjml` registers its components (mj-body among them) in mjml-core's registry.
    mjmlCore = requireFromMjmlCore('./index') as MjmlCore;
  }
  return mjmlCore;
}

let parser: MjmlParser | undefined;

/** The XML parser mjml-core itself calls on a string, from the same installation. */
function loadMjmlParser(): MjmlParser {
  if (!parser) {
    parser = requireFromMjmlCore('mjml-parser-xml') as MjmlParser;
  }
  return parser;
}

/**
 * The components the email's MJML is parsed with, as mjml2html parses a string, but for the body; and
 * the tags among them whose content the parser keeps as it is (mjml-split.ts).
 */
function parseComponents(core: MjmlCore): { components: Record<string, unknown>; endingTags: Set<string> } {
  parseSetup ??= (() => {
    const components = { ...core.components, 'mj-body': memoizedBodyPreset().components[0] };
    const endingTags = Object.values(components as BodyHelpers['components'])
      .filter((component) => (component as { endingTag?: boolean }).endingTag)
      .map((component) => component.getTagName());
    return { components, endingTags: new Set(endingTags) };
  })();
  return parseSetup;
}

let parseSetup: { components: Record<string, unknown>; endingTags: Set<string> } | undefined;

/**
 * The email's MJML cut into its start and blocks (mjml-split.ts), when its text can key them: it
 * holds neither a canonical marker nor a stand-in's characters.
 */
function piecesOf(source: string): MjmlPieces | undefined {
  if (source.includes(CANONICAL_PREFIX) || !standInsPossible(source)) return undefined;
  return splitMjml(source, parseComponents(loadMjmlCore()).endingTags);
}

/**
 * The plan for the email's blocks from its text alone (source-memo.ts), when every one of them is in
 * memory: its page can then be put together without parsing it (document-memo.ts).
 */
export function plannedFromSource(source: string): PlannedDocument | undefined {
  const pieces = piecesOf(source);
  return pieces && plannedFromPieces(pieces);
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
    components: parseComponents(core).components,
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
  const parsed = [...children];
  const nonRawSiblings = children.filter((child) => !rawTags.includes(child.tagName)).length;
  const head = tree.children?.find((child) => child.tagName === 'mj-head');
  const shared = [
    JSON.stringify(tree.attributes),
    head ? blockJson(head) : 'null',
    JSON.stringify(body.attributes),
  ].join(',');
  // A template that writes the canonical form itself could collide with a renumbered key: no memory.
  const sharedKey =
    shared.includes(CANONICAL_PREFIX) || !headAndBodyRememberable(head, body, components)
      ? undefined
      : canonicalSlots(shared);
  // Keys name the head by a number: written out, it was most of every key's length.
  const headId = sharedKey && internedHead(sharedKey.text);
  // A template that writes a stand-in itself could not be told from one: contents stay in the keys.
  const settingAside = standInsPossible(source);
  const plan = children.map((child, index): PlannedBlock => {
    const place = { first: index === 0, index, last: index + 1 === children.length };
    const planned = { place: { ...place, sibling: children.length, nonRawSiblings } };
    if (!sharedKey || !rememberable(child, components)) return planned;
    const where = placeKey(child.tagName, index, children.length);
    const keyOf = (written: string): CanonicalKey | undefined => {
      if (written.includes(CANONICAL_PREFIX)) return undefined;
      const blockKey = sharedKey.extend(written);
      return { ...blockKey, text: `${headId}:${blockKey.text}` };
    };
    const aside = settingAside ? jsonWithContentsAside(child) : undefined;
    const hollowKey = aside && keyOf(`H${aside.json},${where}`);
    const contents = hollowKey && !isKeptWhole(hollowKey.text) ? aside.contents : undefined;
    const key = contents ? hollowKey : keyOf(`J${blockJson(child)},${where}`);
    if (!key) return planned;
    const hit = recall(key.text);
    if (hit) children[index] = { tagName: 'mj-raw', attributes: {}, content: '', line: child.line ?? 0 };
    return { ...planned, key, ...(hit ? { hit } : {}), ...(contents ? { contents } : {}) };
  });
  // MJML hands a node's `props` to its component; the body reads its plan there.
  (body as MjmlNode & { props?: object }).props = { blockPlan: plan };
  if (sharedKey && headId !== undefined) plannedDocuments.set(tree, { plan, sharedKey, headId });
  learnFromParse(tree, source, sharedKey && headId !== undefined ? { key: sharedKey, headId } : undefined, {
    parsed,
    rawTags,
    rememberable: (child) => rememberable(child, components),
  });
}

/** Teaches source-memo.ts the pieces of an email just parsed, if its text cuts into as many blocks. */
function learnFromParse(
  tree: MjmlNode,
  source: string,
  shared: { key: CanonicalKey; headId: number } | undefined,
  {
    parsed,
    rawTags,
    rememberable,
  }: {
    parsed: readonly MjmlNode[];
    rawTags: readonly string[];
    rememberable: (child: MjmlNode) => boolean;
  },
): void {
  const pieces = piecesOf(source);
  const rootTags = (tree.children ?? []).map((child) => child.tagName).join(' ');
  if (!pieces || (rootTags !== 'mj-body' && rootTags !== 'mj-head mj-body')) return;
  // A block's text starts with its tag: a cut that does not agree with the parse teaches nothing.
  if (!parsed.every((child, index) => pieces.blocks[index]?.text.startsWith(`<${child.tagName}`))) return;
  learnPieces(
    pieces,
    shared,
    parsed.map((child) => ({
      tagName: child.tagName,
      raw: rawTags.includes(child.tagName),
      written: () => {
        if (!rememberable(child)) return undefined;
        const aside = jsonWithContentsAside(child);
        return aside
          ? { hollow: { written: `H${aside.json}`, contents: aside.contents } }
          : { whole: `J${blockJson(child)}` };
      },
    })),
  );
}

const plannedDocuments = new WeakMap<MjmlNode, PlannedDocument>();

/** The plan `withRememberedBlocks` made for `tree`, when its blocks could be remembered. */
export function plannedDocument(tree: MjmlNode): PlannedDocument | undefined {
  return plannedDocuments.get(tree);
}
