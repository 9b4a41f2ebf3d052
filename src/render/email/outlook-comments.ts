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

/** Ends with an opener, or the start of one, which the next part could complete. */
function endsMidOpener(html: string): boolean {
  for (let length = 1; length <= OPENER.length; length++)
    if (html.endsWith(OPENER.slice(0, length))) return true;
  return false;
}

/** A block's HTML minified alone, and how many `<!` it holds. */
interface MinifiedAlone {
  html: string;
  bangs: number;
}

/** Each block's HTML minified alone, or false where that could differ from its part of the whole. */
const minifiedAlone = new WeakMap<Remembered, MinifiedAlone | false>();

/**
 * `minify` of the blocks' HTML one after another, as each block's own minified HTML, minified once
 * for all the emails that remember it: the pass rewrote every email's ~60 KB of blocks again
 * (~140 MB of strings in a cold `build --all` of 520 issues). Or undefined where a block could come
 * out otherwise than as part of the whole, for the caller to minify the whole.
 *
 * The pass rewrites each conditional comment on its own, from its opener to the next `<![endif]-->`.
 * A block minifies alone as it does in the whole when the comments the pass finds in its HTML are the
 * ones it finds in the whole, with the same text:
 * - its remembered HTML leaves no comment open and no opener begun at its end, holds no opener the
 *   pass does not take up (`[if` without a space or `]>`), and no content stand-in inside a comment
 *   or close enough after a `<!` to finish an opener with its content (`minifiableAlone`);
 * - its contents hold no `<!`, and once they are put back the block holds no `<!` more than its
 *   remembered HTML (a content ending in `<` before a `!`, or one of `!--[if` after a `<`) and does not
 *   end with an opener or its start. Every opener is then one the remembered HTML held, at the head
 *   of a comment whose text no content entered.
 * Slot markers hold no space, `<` or `!`, which are all the pass reads.
 */
export function minifiedBlocks(
  plan: readonly RememberedBlock[],
  minify: (html: string) => string,
): string | undefined {
  const parts: string[] = [];
  for (const block of plan) {
    let alone = minifiedAlone.get(block.hit);
    if (alone === undefined) {
      const { html } = block.hit;
      alone = minifiableAlone(html) && { html: minify(html), bangs: occurrences(html, '<!') };
      minifiedAlone.set(block.hit, alone);
    }
    const { contents } = block;
    if (alone === false || contents?.some((content) => content.includes('<!'))) return undefined;
    const part = rememberedHtml(block, false, alone.html);
    if ((contents && occurrences(part, '<!') !== alone.bangs) || endsMidOpener(part)) return undefined;
    parts.push(part);
  }
  return parts.join('');
}

function minifiableAlone(html: string): boolean {
  if (!closedAtBothEnds(html)) return false;
  const comments = [...html.matchAll(CONDITIONAL)].map((match) => ({
    from: match.index,
    to: match.index + match[0].length,
  }));
  if (comments.some(({ from, to }) => holdsStandIn(html.slice(from, to)))) return false;
  const inComment = (at: number) => comments.some(({ from, to }) => at >= from && at < to);
  for (let at = html.indexOf(OPENER); at >= 0; at = html.indexOf(OPENER, at + 1))
    if (!inComment(at)) return false;
  for (let at = html.indexOf('<!'); at >= 0; at = html.indexOf('<!', at + 1))
    if (holdsStandIn(html.slice(at + 2, at + OPENER.length))) return false;
  return true;
}

function occurrences(text: string, part: string): number {
  let count = 0;
  for (let at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length)) count++;
  return count;
}
