import { canonicalSlots } from '../src/render/email/block-key.js';
import { type RememberedBlock, rememberedHtml } from '../src/render/email/memoized-body.js';
import { defaultExport, requireFromMjmlCore } from '../src/render/email/mjml-loader.js';
import { minifiedBlocks } from '../src/render/email/outlook-comments.js';
import { standIn } from '../src/render/email/verbatim-content.js';

/**
 * A page from memory takes each remembered block's HTML minified alone (outlook-comments.ts): it
 * must equal MJML's own minify pass over all the blocks' HTML, contents put back, whenever it is
 * used, and give way to that pass (undefined) wherever a block could come out otherwise.
 */
const minify = defaultExport<(html: string) => string>(
  requireFromMjmlCore('./helpers/minifyOutlookConditionnals'),
);
const key = canonicalSlots('{{{slots.s7}}} {{{slots.s12}}}');
const place = { first: false, index: 0, last: false, sibling: 2, nonRawSiblings: 2 };

function block(html: string, contents?: string[]): RememberedBlock {
  return { place, key: key.extend(''), hit: { html, effects: [] }, ...(contents ? { contents } : {}) };
}

/** MJML's way: the blocks' HTML, restored and with contents put back, joined, then minified. */
function minifiedWhole(plan: RememberedBlock[]): string {
  return minify(plan.map((one) => rememberedHtml(one, false)).join(''));
}

describe('minifiedBlocks', () => {
  const opened = '<!--[if mso | IE]><table  role="presentation" >\n  <tr>\n    <td>';
  const closed = '</td>\n  </tr>\n</table><![endif]-->';

  it('gives the bytes of the pass over the whole, contents and slot markers included', () => {
    const plan = [
      block(`${opened}<![endif]-->\n  <div>${standIn(0)}</div>  \n${opened.slice(0, 18)}${closed}`, [
        'a  <b>x</b>\n',
      ]),
      block(`<div class="x">{{{slots.#0}}}</div>\n${opened}{{{slots.#1}}}   ${closed}`),
    ];
    const fast = minifiedBlocks(plan, minify);
    expect(fast).toBeDefined();
    expect(fast).toBe(minifiedWhole(plan));
    expect(fast).toContain('a  <b>x</b>\n'); // the contents, outside the comments, as written
    expect(fast).toContain('{{{slots.s12}}}');
  });

  it('gives way to the whole where a block would come out otherwise', () => {
    const cases: [string, RememberedBlock[]][] = [
      ['a comment left open at its end', [block(`<p>a</p>${opened}`), block(`${closed}`)]],
      ['an opener begun at its end', [block('<p>a</p><!--[i'), block('f mso]><p> </p><![endif]-->')]],
      ['a content inside a comment', [block(`${opened}${standIn(0)}${closed}`, ['x  y'])]],
      ['a content that opens a comment', [block(`<div>${standIn(0)}</div>`, ['<!--[if mso]>'])]],
      [
        'a content that ends its block with the start of an opener',
        [block(`<div></div>${standIn(0)}`, ['a <']), block('!--[if mso]>  <p>b</p><![endif]-->')],
      ],
    ];
    for (const [, plan] of cases) expect(minifiedBlocks(plan, minify)).toBeUndefined();
  });

  it('matches the whole pass over thousands of random blocks (seeded)', () => {
    // Its high bits: the low bits of this generator repeat within a few dozen draws.
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return Math.floor((seed / 2 ** 31) * n);
    };
    const pieces = [
      '<!--[if mso | IE]>',
      '<!--[if !mso]><!-->',
      '<![endif]-->',
      '<!-- x -->',
      '<!--[i',
      'f mso]>',
      '!--[if mso]>',
      '<td>',
      '</td>',
      '  ',
      '\n    ',
      ' ',
      'text',
      '>',
      '<',
      '{{{slots.#0}}}',
      '{{{slots.#1}}}',
    ];
    const contentPieces = [
      'a',
      ' ',
      '  ',
      '\n',
      '<b>',
      '</b>',
      '<!--',
      '<!--[if mso]>',
      '<![endif]-->',
      '>',
      '<',
    ];
    const randomText = (parts: string[], length: number) =>
      Array.from({ length }, () => parts[next(parts.length)]).join('');
    let used = 0;
    for (let round = 0; round < 4_000; round++) {
      const plan = Array.from({ length: 1 + next(3) }, () => {
        const contents = Array.from({ length: next(3) }, () => randomText(contentPieces, next(5)));
        const html = contents.reduce(
          (text, _content, n) => text + standIn(n) + randomText(pieces, next(4)),
          randomText(pieces, next(8)),
        );
        return block(html, contents.length > 0 ? contents : undefined);
      });
      const fast = minifiedBlocks(plan, minify);
      if (fast === undefined) continue;
      used++;
      expect(fast).toBe(minifiedWhole(plan));
    }
    // Enough of the random plans take the fast path for the comparison to mean something.
    expect(used).toBeGreaterThan(600);
  });

  it('minifies a block once for every email that remembers it', () => {
    let calls = 0;
    const counting = (html: string) => {
      calls++;
      return minify(html);
    };
    const shared = block(`${opened}${closed}<div>${standIn(0)}</div>`, ['one']);
    expect(minifiedBlocks([shared], counting)).toBe(minifiedWhole([shared]));
    const again = { ...shared, contents: ['two  '] };
    expect(minifiedBlocks([again], counting)).toBe(minifiedWhole([again]));
    expect(calls).toBe(1);
  });
});
