import type { CanonicalKey, MjmlNode } from './block-key.js';
import { count, type HeadEffect, keepWhole, remember, type Remembered } from './block-memory.js';
import { holdsEachOnce, holdsStandIn, putBack, setAsideContents } from './verbatim-content.js';

/**
 * The mj-body that lays out its blocks from the plan `withRememberedBlocks` made (mjml-memo.ts): a
 * block found in memory is its remembered HTML, with its contents put back and its head effects
 * replayed; any other is laid out by MJML's own component and remembered. It notes what it laid out
 * last (`takeLastBody`), for the page around it to be remembered too (document-memo.ts).
 */

interface MjmlComponent {
  render(): string;
}

export interface BodyHelpers {
  components: Record<
    string,
    { isRawElement(): boolean; getTagName(): string; allowedAttributes?: Record<string, string> }
  >;
  globalData: Record<string, unknown>;
  addMediaQuery(...args: unknown[]): void;
  addHeadStyle(...args: unknown[]): void;
  addComponentHeadSyle(...args: unknown[]): void;
  [other: string]: unknown;
}

interface BodyInstance {
  props: { children: MjmlNode[]; blockPlan?: PlannedBlock[] };
  render(): string;
  context: BodyHelpers;
  getChildContext(): BodyHelpers;
}

type BodyClass = new (...args: never[]) => BodyInstance & { renderChildren(...args: unknown[]): string };

export interface MjmlCore {
  components: Record<string, unknown>;
  initComponent(init: { name: string; initialDatas: object }): MjmlComponent | null;
}

interface Place {
  first: boolean;
  index: number;
  last: boolean;
  sibling: number;
  nonRawSiblings: number;
}

/** What the body is told of each of its children before MJML sees them. */
export interface PlannedBlock {
  place: Place;
  /** Absent when the block cannot be remembered (its key would be ambiguous). */
  key?: CanonicalKey;
  /** Its HTML and head effects from memory: the child in the tree is then an empty stand-in. */
  hit?: Remembered;
  /** Its verbatim contents, set aside from its key and its layout (verbatim-content.ts). */
  contents?: string[];
}

const HEAD_EFFECTS = ['addMediaQuery', 'addHeadStyle', 'addComponentHeadSyle'] as const;

/** What the memoized body last laid out: its plan, its children's HTML, and its own HTML around them. */
export interface LaidOutBody {
  plan: PlannedBlock[];
  children: string;
  html: string;
}

let lastBody: LaidOutBody | undefined;

/** The body MJML laid out last with a plan (document-memo.ts reads it as MJML makes the page). */
export function takeLastBody(): LaidOutBody | undefined {
  const body = lastBody;
  lastBody = undefined;
  return body;
}

export function memoizedBody(core: MjmlCore): unknown {
  const MjBody = core.components['mj-body'] as BodyClass | undefined;
  if (!MjBody) throw new Error('mjml did not register mj-body');
  return class MemoizedBody extends MjBody {
    static componentName = 'mj-body';

    /** What `renderChildren` laid out during the current `render`, for `takeLastBody`. */
    private laidOutChildren: string | undefined;

    // MjBody.render() calls renderChildren() with no arguments; any other use keeps MJML's own,
    // as does a body parsed without `withRememberedBlocks`.
    override renderChildren(...args: unknown[]): string {
      const plan = this.props.blockPlan;
      if (args.length > 0 || !plan) return super.renderChildren(...args);
      const context = this.getChildContext();
      let output = '';
      for (const [index, child] of this.props.children.entries())
        output += renderBlock(core, child, context, plan[index]!);
      this.laidOutChildren = output;
      return output;
    }

    override render(): string {
      this.laidOutChildren = undefined;
      const html = super.render();
      const plan = this.props.blockPlan;
      lastBody =
        plan && this.laidOutChildren !== undefined
          ? { plan, children: this.laidOutChildren, html }
          : undefined;
      return html;
    }
  };
}

function renderBlock(core: MjmlCore, child: MjmlNode, context: BodyHelpers, planned: PlannedBlock): string {
  const { key, hit, contents } = planned;
  if (key && hit) {
    for (const [kind, args] of hit.effects) context[kind](...args);
    return rememberedHtml({ ...planned, key, hit });
  }
  if (key && contents) {
    const laidOut = renderWithoutContents(core, child, context, planned, contents);
    if (laidOut !== undefined) {
      count('rendered');
      remember(key, laidOut);
      return putBack(laidOut.html, contents);
    }
    // Not kept this time or any other: the next email with this block lays it out whole.
    keepWhole(key.text);
  }
  const { html, effects } = renderFresh(core, child, context, planned.place);
  if (!key || contents) return html;
  count('rendered');
  remember(key, { html, effects });
  return html;
}

/** A planned block found in memory. */
export type RememberedBlock = PlannedBlock & Required<Pick<PlannedBlock, 'key' | 'hit'>>;

/** A block's HTML from memory, with its slot numbers and contents (counted as remembered if `counted`). */
export function rememberedHtml(
  { key, hit, contents }: RememberedBlock,
  counted = true,
  /** The block's canonical HTML in another form (outlook-comments.ts: minified). */
  canonical = hit.html,
): string {
  if (counted) count('remembered');
  const html = key.restore(canonical);
  return contents ? putBack(html, contents) : html;
}

/**
 * The block laid out with stand-ins for its contents, its head effects then applied: or undefined,
 * with nothing applied, when the HTML does not hold each stand-in once (it is then laid out whole).
 */
function renderWithoutContents(
  core: MjmlCore,
  child: MjmlNode,
  context: BodyHelpers,
  planned: PlannedBlock,
  contents: readonly string[],
): Remembered | undefined {
  // Set aside again from the tree MJML hands the body (its attributes merged): the same contents.
  const aside = setAsideContents(child);
  if (aside?.contents.length !== contents.length || aside.contents.some((c, i) => c !== contents[i]))
    return undefined;
  const laidOut = renderFresh(core, aside.node, context, planned.place, false);
  if (!holdsEachOnce(laidOut.html, contents.length) || holdsStandIn(JSON.stringify(laidOut.effects)))
    return undefined;
  for (const [kind, args] of laidOut.effects) context[kind](...args);
  return laidOut;
}

/**
 * The block rendered as MJML's own renderChildren would, noting what it adds to the head, and passing
 * that on to the context as it happens unless `passOn` is false.
 */
function renderFresh(
  core: MjmlCore,
  child: MjmlNode,
  context: BodyHelpers,
  props: object,
  passOn = true,
): { html: string; effects: HeadEffect[] } {
  const effects: HeadEffect[] = [];
  const recording: BodyHelpers = { ...context };
  for (const kind of HEAD_EFFECTS) {
    recording[kind] = (...args: unknown[]) => {
      effects.push([kind, args]);
      if (passOn) context[kind](...args);
    };
  }
  const component = core.initComponent({
    name: child.tagName,
    initialDatas: { ...child, attributes: { ...child.attributes }, context: recording, props },
  });
  return { html: component === null ? '' : component.render(), effects };
}

/** Blocks taken from memory without this body (document-memo.ts), counted as remembered. */
export function countRemembered(blocks: number): void {
  count('remembered', blocks);
}
