import { fontsNamedIn, fontsToScan, narrowedFontsSkeleton, type Skeleton } from './mjml-fonts.js';
import { SLOT_MARKER } from './slots.js';
import { closedAtBothEnds, minifiedBlocks } from './outlook-comments.js';
import { defaultExport, requireFromMjmlCore } from './mjml-loader.js';
import {
  countRemembered,
  type LaidOutBody,
  type MjmlNode,
  type PlannedBlock,
  type PlannedDocument,
  plannedDocument,
  plannedFromSource,
  type RememberedBlock,
  rememberedHtml,
  takeLastBody,
  withRememberedBlocks,
} from './mjml-memo.js';

/**
 * The page MJML makes around an email's body blocks, remembered, so that an email whose every block
 * is remembered (mjml-memo.ts) is put together without MJML. With its blocks from memory, MJML still
 * took ~2.5 ms an email to validate the hollow tree, process the head, lay out the body's wrapper, and
 * make the page: half of the layout's time in a cold `check --all`, where most emails are made of
 * blocks seen before.
 *
 * MJML makes an email's HTML in three steps after the body is laid out (mjml-core, `mjml2html`):
 * `minifyOutlookConditionnals` over the body's HTML, the skeleton (the page, whose head links the web
 * fonts named in the body and holds the styles the blocks asked for), then
 * `mergeOutlookConditionnals` over the page. So the page is
 *
 *     merge(top + minify(bodyOpen) + minify(blocks) + minify(bodyClose) + bottom)
 *
 * where only `blocks` and the fonts in `top` depend on the blocks, as long as no Outlook conditional
 * comment spans the seams (each part is checked for one left open). Everything else is a function of:
 * - the head and the root's and body's attributes: `headId` (the blocks' shared key, mjml-memo.ts);
 * - what the blocks asked of the head (media queries, styles), as the page's state after them;
 * - the web fonts the page links, which MJML decides by searching the body (`buildFontsTags`).
 * Those are the key. The parts are taken from an email MJML made whole: split where MJML's body put
 * its blocks and where the skeleton put the body, and kept only if they give MJML's own bytes back;
 * a page with anything else in it (juice's inlining, mj-html-attributes, an mj-raw outside the body)
 * fails that check and is not kept. `__tests__/mjml-memo.test.ts` compares emails with plain MJML.
 */

type Mjml<E> = (input: MjmlNode, options: object) => Promise<{ html: string; errors: E[] }>;

interface SkeletonInput {
  content: string;
  inlineStyle: string[];
  fonts: Record<string, string>;
  mediaQueries: Record<string, string>;
  headStyle: Record<string, unknown>;
  componentsHeadStyle: unknown[];
}

/** A page MJML made, as the skeleton saw it: its body's parts, and the page. */
interface MadePage {
  body: LaidOutBody;
  input: SkeletonInput;
  page: string;
}

/** The parts of a page around its blocks, with slot markers canonical (block-key.ts). */
interface RememberedPage {
  /** The page before the body, by the web-font tags it holds. */
  tops: Map<string, string>;
  bodyOpen: string;
  bodyClose: string;
  bottom: string;
  /** The page's fonts (default and mj-font's); its inline styles are none (juice's pages are not kept). */
  fonts: Record<string, string>;
}

/** Enough for many template sets and head states; past it, start again rather than grow. */
const MAX_PAGES = 2_000;
const pages = new Map<string, RememberedPage>();
const counts = { remembered: 0, made: 0, unparsed: 0 };

/**
 * How many pages were put together from memory and how many MJML made, since the process started;
 * and how many of those from memory were found from the email's text, without parsing it.
 */
export function rememberedPageCounts(): { remembered: number; made: number; unparsed: number } {
  return { ...counts };
}

let lastPage: MadePage | undefined;
let skeleton: Skeleton | undefined;

/** The `skeleton` option for mjml2html: `narrowedFontsSkeleton`, noting the page it makes. */
export function notingSkeleton(): Skeleton {
  skeleton ??= (options) => {
    const page = narrowedFontsSkeleton()(options);
    const body = takeLastBody();
    // MJML calls the skeleton right after laying out the body, in the same turn: this body's page.
    lastPage = body ? { body, input: options as unknown as SkeletonInput, page } : undefined;
    return page;
  };
  return skeleton;
}

/**
 * The HTML of the email whose MJML is `source`: put together from memory when every block and its
 * page are remembered (found from the text alone when it can be, else from its parse by
 * `withRememberedBlocks`), else made by MJML (`compile`, with `options`), and its page remembered.
 * `options` are `mjmlOptions(templatesDir)` (compile.ts) for every call: they are in no key (no other
 * fonts, minify or beautify), and a page MJML makes with them (they choose the skeleton) is the only
 * kind remembered.
 */
export async function layOutWithMemory<E>(
  source: string,
  templatesDir: string,
  compile: Mjml<E>,
  options: object,
): Promise<{ html: string; errors: E[] }> {
  // The text cuts into a root with one head and one body, and nothing beside them (mjml-split.ts).
  const fromText = plannedFromSource(source);
  const unparsed = fromText && pageFromMemory(fromText);
  if (unparsed !== undefined) {
    counts.remembered++;
    counts.unparsed++;
    return { html: unparsed, errors: [] };
  }
  const tree = withRememberedBlocks(source, templatesDir);
  const planned = plannedDocument(tree);
  const remembered = planned && onlyHeadAndBody(tree) ? pageFromMemory(planned) : undefined;
  if (remembered !== undefined) {
    counts.remembered++;
    return { html: remembered, errors: [] };
  }
  lastPage = undefined;
  const result = await compile(tree, options);
  const made = lastPage;
  lastPage = undefined;
  counts.made++;
  if (made && result.errors.length === 0) rememberPage(tree, made, result.html);
  return result;
}

/** The page of a document with one head and one body, whose blocks are planned so. */
function pageFromMemory({ plan, sharedKey, headId }: PlannedDocument): string | undefined {
  if (plan.length === 0) return undefined;
  if (!plan.every((block): block is RememberedBlock => Boolean(block.key && block.hit))) return undefined;
  const remembered = pages.get(pageKey(headId, headStateAfter(plan)));
  if (!remembered) return undefined;
  const { minify, merge } = mjmlHelpers();
  const blocks = minifiedBlocks(plan, minify) ?? minifiedWhole(plan, minify);
  if (blocks === undefined) return undefined;
  const content = sharedKey.restore(remembered.bodyOpen) + blocks + sharedKey.restore(remembered.bodyClose);
  const top = remembered.tops.get(fontTags(content, remembered.fonts, true));
  if (top === undefined) return undefined;
  countRemembered(plan.length);
  return merge(sharedKey.restore(top) + content + sharedKey.restore(remembered.bottom));
}

/** The blocks' HTML minified as a whole, as MJML does; undefined if a comment is left open at its end. */
function minifiedWhole(
  plan: readonly RememberedBlock[],
  minify: (html: string) => string,
): string | undefined {
  const blocks = plan.map((block) => rememberedHtml(block, false)).join('');
  return closedAtBothEnds(blocks) ? minify(blocks) : undefined;
}

function rememberPage(tree: MjmlNode, made: MadePage, html: string): void {
  const planned = plannedDocument(tree);
  if (!planned || made.body.plan !== planned.plan || !onlyHeadAndBody(tree)) return;
  const { body, input, page } = made;
  const { minify, merge } = mjmlHelpers();
  const at = body.html.indexOf(body.children);
  const contentAt = page.indexOf(input.content);
  if (at < 0 || at !== body.html.lastIndexOf(body.children)) return;
  if (contentAt < 0 || contentAt !== page.lastIndexOf(input.content) || merge(page) !== html) return;
  const bodyOpen = minify(body.html.slice(0, at));
  const bodyClose = minify(body.html.slice(at + body.children.length));
  const top = page.slice(0, contentAt);
  if (bodyOpen + minify(body.children) + bodyClose !== input.content) return;
  // A font named by a slot marker (mj-font) is looked for by its number: the next email's differs.
  if (input.inlineStyle.length > 0 || SLOT_MARKER.test(JSON.stringify(input.fonts))) return;
  if (!closedAtBothEnds(top + bodyOpen) || !closedAtBothEnds(body.children)) return;
  const { sharedKey, headId } = planned;
  const parts = [top, bodyOpen, bodyClose, page.slice(contentAt + input.content.length)].map((part) =>
    sharedKey.canonical(part),
  );
  if (parts.some((part) => part === undefined)) return;
  const [canonicalTop, canonicalOpen, canonicalClose, canonicalBottom] = parts as string[];
  const key = pageKey(headId, headStateKey(input));
  let remembered = pages.get(key);
  if (!remembered || remembered.bodyOpen !== canonicalOpen || remembered.bottom !== canonicalBottom) {
    if (pages.size >= MAX_PAGES) pages.clear();
    remembered = {
      tops: new Map(),
      ...{ bodyOpen: canonicalOpen!, bodyClose: canonicalClose!, bottom: canonicalBottom! },
      fonts: input.fonts,
    };
    pages.set(key, remembered);
  }
  remembered.tops.set(fontTags(input.content, input.fonts), canonicalTop!);
}

/**
 * One mj-body, at most one mj-head, and nothing else. An mj-raw beside them goes before the doctype
 * and is in no key; MJML lays out only the first body and head, but validates any other, and a page
 * from memory is not validated.
 */
function onlyHeadAndBody(tree: MjmlNode): boolean {
  const tags = (tree.children ?? []).map((child) => child.tagName);
  const count = (tag: string) => tags.filter((name) => name === tag).length;
  return (
    count('mj-body') === 1 && count('mj-head') <= 1 && tags.length === count('mj-body') + count('mj-head')
  );
}

function pageKey(headId: number, headState: string): string {
  return `${headId}\0${headState}`;
}

/**
 * What the blocks of `plan` leave in the page's state, written as `headStateKey` writes MJML's own:
 * media queries by class (as mjml-core's `addMediaQuery` writes each rule), head styles by component,
 * and component styles in order. Functions (the styles) are named by identity: a remembered block
 * hands on the very functions its first layout did.
 */
function headStateAfter(plan: readonly PlannedBlock[]): string {
  const state: Omit<SkeletonInput, 'content' | 'inlineStyle' | 'fonts'> = {
    mediaQueries: {},
    headStyle: {},
    componentsHeadStyle: [],
  };
  for (const { hit } of plan)
    for (const [kind, args] of hit!.effects) {
      if (kind === 'addMediaQuery') state.mediaQueries[String(args[0])] = mediaQueryRule(args[1]);
      else if (kind === 'addHeadStyle') state.headStyle[String(args[0])] = args[1];
      else state.componentsHeadStyle.push(args[0]);
    }
  return headStateKey(state);
}

/** mjml-core's rule for `addMediaQuery(className, { parsedWidth, unit, padding })` (mjml 5). */
function mediaQueryRule(options: unknown): string {
  const { parsedWidth, unit, padding } = (options ?? {}) as Record<string, unknown>;
  let rule = '{';
  if (parsedWidth != null && unit != null)
    rule += ` width:${parsedWidth}${unit} !important; max-width: ${parsedWidth}${unit};`;
  if (padding) rule += ` padding: ${padding} !important;`;
  return `${rule} }`;
}

function headStateKey({
  mediaQueries,
  headStyle,
  componentsHeadStyle,
}: Pick<SkeletonInput, 'mediaQueries' | 'headStyle' | 'componentsHeadStyle'>): string {
  return JSON.stringify([
    Object.entries(mediaQueries),
    Object.entries(headStyle).map(([name, style]) => [name, identity(style)]),
    componentsHeadStyle.map(identity),
  ]);
}

const identities = new WeakMap<object, number>();
let identitiesGiven = 0;

function identity(value: unknown): string | number {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null)
    return JSON.stringify(value) ?? String(value);
  let id = identities.get(value);
  if (id === undefined) {
    id = identitiesGiven++;
    identities.set(value, id);
  }
  return id;
}

/**
 * The web-font tags MJML's skeleton writes for this body, given the fonts `narrowedFontsSkeleton` hands
 * on; `counted` when they take the place of the skeleton's own scan.
 */
function fontTags(content: string, fonts: Record<string, string>, counted = false): string {
  const named = (counted ? fontsToScan : fontsNamedIn)({ content, fonts });
  return mjmlHelpers().buildFontsTags(content, [], named);
}

interface MjmlHelpers {
  minify: (html: string) => string;
  merge: (html: string) => string;
  buildFontsTags: (content: string, inlineStyle: string[], fonts: Record<string, string>) => string;
}

let helpers: MjmlHelpers | undefined;

/** mjml-core's own passes, from the installation the `mjml` package uses. */
function mjmlHelpers(): MjmlHelpers {
  helpers ??= {
    minify: defaultExport(requireFromMjmlCore('./helpers/minifyOutlookConditionnals')),
    merge: defaultExport(requireFromMjmlCore('./helpers/mergeOutlookConditionnals')),
    buildFontsTags: (requireFromMjmlCore('./helpers/fonts') as Pick<MjmlHelpers, 'buildFontsTags'>)
      .buildFontsTags,
  };
  return helpers;
}
