import mjml2html from 'mjml';
import { mjmlOptions } from '../src/render/email/compile.js';
import { layOutWithMemory, rememberedPageCounts } from '../src/render/email/document-memo.js';
import { repoRoot } from './helpers/cli.js';

/**
 * The page around remembered blocks (src/render/email/document-memo.ts): an email put together from
 * memory must be the very bytes plain MJML makes, whatever the blocks, their contents or the head
 * hold. Each document is laid out twice in a row, so that the second time every block and the page
 * can come from memory, and both are compared with plain MJML.
 */
type Mjml = (input: string | object, options: object) => Promise<{ html: string; errors: unknown[] }>;
const mjml = mjml2html as unknown as Mjml;

async function expectPlainBytesTwice(
  sources: readonly string[],
): Promise<{ remembered: number; made: number }> {
  const before = rememberedPageCounts();
  for (const source of sources) {
    const plain = (await mjml(source, mjmlOptions(repoRoot, false))).html;
    for (let time = 0; time < 2; time++) {
      const { html } = await layOutWithMemory(source, repoRoot, mjml, mjmlOptions(repoRoot));
      expect({ source, time, html }).toEqual({ source, time, html: plain });
    }
  }
  const after = rememberedPageCounts();
  return { remembered: after.remembered - before.remembered, made: after.made - before.made };
}

const page = (body: string, head = '<mj-title>{{{slots.s90}}}</mj-title>') =>
  `<mjml lang="{{{slots.s91}}}"><mj-head>${head}</mj-head><mj-body width="600px">${body}</mj-body></mjml>`;
const text = (content: string, slot = 1) =>
  `<mj-section><mj-column><mj-text>{{{slots.s${slot}}}}${content}</mj-text></mj-column></mj-section>`;
const columns = (count: number) =>
  `<mj-section>${'<mj-column><mj-text>{{{slots.s5}}}</mj-text></mj-column>'.repeat(count)}</mj-section>`;

test('an email of remembered blocks is put together from memory, in the same bytes as plain MJML', async () => {
  const counted = await expectPlainBytesTwice([
    page(text('') + text('', 2)),
    page(text('') + columns(2)),
    page(columns(3) + text('') + columns(2)),
    // The same blocks under another head: another page.
    page(text('') + text('', 2), '<mj-title>{{{slots.s90}}}</mj-title><mj-breakpoint width="400px" />'),
  ]);
  expect(counted.remembered).toBeGreaterThanOrEqual(4);
});

test('what the blocks ask of the head keys the page: the columns media queries of another email are not used', async () => {
  // The same head, and blocks whose media queries differ (per-100, per-50, per-33): each page its own.
  const sources = [
    page(columns(1)),
    page(columns(2)),
    page(columns(1) + columns(3)),
    page(columns(3) + columns(1)),
  ];
  await expectPlainBytesTwice([...sources, ...sources.reverse()]);
});

test('web fonts named only in a content set aside from the key still decide the fonts the page links', async () => {
  // mj-text's content is not in its block's key, but MJML links a web font named in the body's HTML.
  const named = (font: string) => page(text(`<span style="font-family:${font}, sans-serif">x</span>`));
  const counted = await expectPlainBytesTwice([
    named('Arial'),
    named('Roboto'),
    named('Lato'),
    named('Arial'),
  ]);
  expect(counted.remembered).toBeGreaterThanOrEqual(3);
});

test('Outlook comments left open across blocks, pages MJML changes after the body, mj-raw before the doctype: plain bytes', async () => {
  const raw = (content: string) => `<mj-raw>${content}</mj-raw>`;
  await expectPlainBytesTwice([
    // A conditional comment opened in one block and closed in the next: MJML's pass spans them.
    page(raw('<!--[if mso | IE]><table>  <tr>') + text('') + raw('</tr>   </table><![endif]-->')),
    page(
      raw('<!--[if mso | IE]><table>  <tr>') +
        text('', 3) +
        text('', 4) +
        raw('</tr>   </table><![endif]-->'),
    ),
    // One left open at the very end, and one begun but cut short.
    page(text('') + raw('<!--[if mso]>   <b>  </b>')),
    page(text('') + raw('<!--[i')),
    // mj-html-attributes (cheerio edits the body), an inline mj-style (juice inlines it).
    page(
      text('') +
        '<mj-section css-class="x"><mj-column><mj-text>{{{slots.s6}}}</mj-text></mj-column></mj-section>',
      '<mj-html-attributes><mj-selector path=".x td"><mj-html-attribute name="data-x">1</mj-html-attribute></mj-selector></mj-html-attributes>',
    ),
    page(text(''), '<mj-style inline="inline">.y { color: red; }</mj-style>'),
    // An mj-raw beside the head and body goes before the doctype.
    `<mjml><mj-raw position="file-start">{{!-- x --}}</mj-raw><mj-body>${text('')}</mj-body></mjml>`,
  ]);
});

test('a preview, a title and attributes holding slot markers are renumbered for each email', async () => {
  const withPreview = (first: number) =>
    `<mjml lang="{{{slots.s${first}}}}"><mj-head><mj-title>{{{slots.s${first + 1}}}}</mj-title>` +
    `<mj-preview>{{{slots.s${first + 2}}}}</mj-preview></mj-head>` +
    `<mj-body background-color="#ffffff">${text('', first + 3)}${columns(2)}</mj-body></mjml>`;
  const counted = await expectPlainBytesTwice([withPreview(10), withPreview(40), withPreview(7)]);
  expect(counted.remembered).toBeGreaterThanOrEqual(4);
});

test('a second mj-body or mj-head is validated as MJML does, not skipped with the page from memory', async () => {
  const section = text('');
  const once = page(section, '<mj-title>t</mj-title>');
  const withSecond = (extra: string) => once.replace('</mjml>', `${extra}</mjml>`);
  await expectPlainBytesTwice([once]);
  for (const extra of [
    '<mj-body><mj-section bogus="1"></mj-section></mj-body>',
    '<mj-head><mj-breakpoint width="abc" /></mj-head>',
  ]) {
    const source = withSecond(extra);
    const plain = await mjml(source, mjmlOptions(repoRoot, false)).then(
      () => 'laid out',
      (error: Error) => error.message,
    );
    const fromMemory = await layOutWithMemory(source, repoRoot, mjml, mjmlOptions(repoRoot)).then(
      () => 'laid out',
      (error: Error) => error.message,
    );
    expect({ extra, fromMemory }).toEqual({ extra, fromMemory: plain });
    expect(plain).toContain('ValidationError');
  }
});

test('a web font named by a slot marker is looked for under each email’s own number', async () => {
  const named = (font: number, used: number) =>
    `<mjml><mj-head><mj-font name="{{{slots.s${font}}}}" href="https://f.example/a.css" /></mj-head>` +
    `<mj-body><mj-section><mj-column><mj-text font-family="{{{slots.s${used}}}}">x</mj-text></mj-column></mj-section></mj-body></mjml>`;
  await expectPlainBytesTwice([named(3, 3), named(3, 9), named(7, 7), named(7, 2)]);
});

test('attributes MJML reads as true or false, in a block and in mj-attributes: plain MJML bytes', async () => {
  // The parser makes "true" and "false" booleans, which the memory once took for text and failed on.
  const image = (fluid: string) =>
    `<mj-section><mj-column><mj-image src="https://example.org/a.png" fluid-on-mobile="${fluid}" />` +
    '</mj-column></mj-section>';
  const counted = await expectPlainBytesTwice([
    page(image('true') + text('')),
    page(text('') + image('false')),
    page(image('true'), '<mj-attributes><mj-image fluid-on-mobile="true" /></mj-attributes>'),
  ]);
  expect(counted.remembered).toBeGreaterThanOrEqual(3);
});
