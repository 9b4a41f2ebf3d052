import { MOST_LAZY_LINES, overlongLazyQuote } from '../src/render/lazy-quote.js';
import { parseBodyOf } from '../src/render/markdown.js';

/** The guard against micromark's quadratic lazy lines (src/render/lazy-quote.ts). */
const lazy = (count: number) => 'a line without a quote mark\n'.repeat(count);

test('lazy lines of one quoted paragraph are counted, across its quoted lines, up to a blank line', () => {
  expect(overlongLazyQuote(`> Quoted:\n${lazy(MOST_LAZY_LINES)}`)).toBeUndefined();
  expect(overlongLazyQuote(`Intro.\n\n> Quoted:\n${lazy(MOST_LAZY_LINES + 1)}`)).toEqual({
    line: 3,
    lazy: MOST_LAZY_LINES + 1,
  });
  // Quoted and lazy lines in turn are one paragraph: micromark looks back over all of it.
  const alternating = `> quoted\nlazy\n`.repeat(MOST_LAZY_LINES + 1);
  expect(overlongLazyQuote(alternating)).toEqual({ line: 1, lazy: MOST_LAZY_LINES + 1 });
  // A blank line, or a quote line with nothing after the `>`, ends the paragraph.
  for (const end of ['\n', '   \r\n', '>\n', '  >  \n'])
    expect(overlongLazyQuote(`> a\n${lazy(600)}${end}> b\n${lazy(600)}`)).toBeUndefined();
  // A `>` indented four spaces is code, not a quote: its lines are not counted.
  expect(overlongLazyQuote(`    > code\n${lazy(MOST_LAZY_LINES + 1)}`)).toBeUndefined();
  expect(overlongLazyQuote(lazy(5000))).toBeUndefined();
});

test('a body with too many lazy lines is not parsed: its tree is empty', () => {
  // Parsed, 16,000 of these took about a minute.
  const body = `> The board wrote:\n${lazy(16_000)}`;
  expect(parseBodyOf({}, body)).toEqual({ type: 'root', children: [] });
  expect(parseBodyOf({}, `> The board wrote:\n${lazy(3)}`).children).toHaveLength(1);
});
