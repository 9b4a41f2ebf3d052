import { loadRawHtmlSupport, renderMarkdown } from '../src/render/markdown.js';

/**
 * rehype-raw (and parse5) is loaded only for a body with raw HTML: this file's modules are its own
 * (one module registry per test file), so nothing has loaded it before this test.
 */
const base = 'https://bulletin.example.org/issues/2018-05-11/';

test('a body without raw HTML renders with the plain renderer alone; one with some is refused until it is loaded', async () => {
  expect(renderMarkdown('Plain *text* and a [link](https://example.org/).', base).html).toBe(
    '<p>Plain <em>text</em> and a <a href="https://example.org/">link</a>.</p>',
  );
  expect(() => renderMarkdown('Raw <b>bold</b>.', base)).toThrow(/raw HTML before loadRawHtmlSupport/);
  // Asked for twice at once (two issues prepared together): one load, both answered.
  await Promise.all([loadRawHtmlSupport(), loadRawHtmlSupport()]);
  const rendered = renderMarkdown('Raw <b>bold</b> and <script>alert(1)</script>.', base);
  expect(rendered.html).toBe('<p>Raw <b>bold</b> and .</p>');
});
