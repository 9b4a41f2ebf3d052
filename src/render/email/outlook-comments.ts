import { holdsStandIn } from './verbatim-content.js';
import { type RememberedBlock, rememberedHtml } from './memoized-body.js';
import type { Remembered } from './block-memory.js';

/**
 * MJML's Outlook conditional comments (`<!--[if mso | IE]>...<![endif]-->`) and its pass that
 * minifies what they hold (mjml-core's `minifyOutlookConditionnals`), for pages put together from
 * remembered blocks (document-memo.ts).
 */

const OPENER = '<!--[if';
/** The comments MJML's minify pass rewrites, as it finds them (its own expression). */
const CONDITIONAL = /(<!--\[if\s[^\]]+]>)([\s\S]*?)(<!\[endif]-->)/gm;

/**
 * No Outlook conditional comment left open at the end, nor begun at the end: MJML's minify pass takes
 * each from its opener to the next `<![endif]-->`, so one open here would reach into the next part.
 */
export function closedAtBothEnds(html: string): boolean {
  const lastOpener = html.lastIndexOf(OPENER);
  if (lastOpener >= 0 && lastOpener > html.lastIndexOf('<![endif]-->')) return false;
  return !endsMidOpener(html);
}

/** Ends with the start of an opener, which the next part could complete. */
function endsMidOpener(html: string): boolean {
  for (let length = 1; length < OPENER.length; length++)
    if (html.endsWith(OPENER.slice(0, length))) return true;
  return false;
}

/** Each block's HTML minified alone (mjml-core's pass), or false where that could differ from its part of the whole. */
const minifiedAlone = new WeakMap<Remembered, string | false>();

/**
 * `minify` of the blocks' HTML one after another, as each block's own minified HTML, minified once
 * for all the emails that remember it: the pass rewrote every email's ~60 KB of blocks again
 * (~140 MB of strings in a cold `build --all` of 520 issues). Or undefined where a block could come
 * out otherwise than as part of the whole, for the caller to minify the whole.
 *
 * The pass rewrites each conditional comment on its own, from its opener to the next `<![endif]-->`.
 * So the whole minifies as its blocks do alone when none of them leaves a comment open or an opener
 * begun at its end (`closedAtBothEnds`: then none can reach into the next block), and a block's
 * contents, put back after its HTML was minified, lie outside its comments (no stand-in inside one),
 * open or close none (no `<!` in them) and do not end it with the start of an opener (a `<`). Slot
 * markers hold no space or angle bracket, which are all the pass reads.
 */
export function minifiedBlocks(
  plan: readonly RememberedBlock[],
  minify: (html: string) => string,
): string | undefined {
  const parts: string[] = [];
  for (const block of plan) {
    let minified = minifiedAlone.get(block.hit);
    if (minified === undefined) {
      const { html } = block.hit;
      const alone = closedAtBothEnds(html) && !standInInComment(html);
      minified = alone && minify(html);
      minifiedAlone.set(block.hit, minified);
    }
    if (minified === false || block.contents?.some((content) => content.includes('<!'))) return undefined;
    const part = rememberedHtml(block, false, minified);
    if (endsMidOpener(part)) return undefined;
    parts.push(part);
  }
  return parts.join('');
}

function standInInComment(html: string): boolean {
  for (const [comment] of html.matchAll(CONDITIONAL)) if (holdsStandIn(comment)) return true;
  return false;
}
