import mjml2html from 'mjml';
import { templatesFor } from '../src/build/pipeline.js';
import { prepareFresh } from '../src/build/prepare.js';
import { loadConfig } from '../src/content/config.js';
import { listIssueDates } from '../src/content/issues-dir.js';
import { blockJson, type MjmlNode } from '../src/render/email/block-key.js';
import { emailMjml, mjmlOptions } from '../src/render/email/compile.js';
import { layOutWithMemory, rememberedPageCounts } from '../src/render/email/document-memo.js';
import { requireFromMjmlCore } from '../src/render/email/mjml-loader.js';
import { type MjmlPieces, splitMjml } from '../src/render/email/mjml-split.js';
import { loadEmailTemplates } from '../src/render/email/templates.js';
import { jsonWithContentsAside, textWithContentsAside } from '../src/render/email/verbatim-content.js';
import { repoRoot } from './helpers/cli.js';

/**
 * The cut of an email's MJML text into its start and blocks (src/render/email/mjml-split.ts) must
 * put each bound where mjml-parser-xml does, or refuse: for every cut it makes, each block's text
 * parsed alone after the same start is the very block the whole text's parse holds, with the same
 * contents set aside. Checked on the sample's emails, on hard cases written by hand, and on a
 * thousand mutations of an email by the fragments that trip parsers up.
 */
type Parser = (xml: string, options: object) => MjmlNode;
const parse: Parser = (() => {
  mjml2html('<mjml><mj-body></mj-body></mjml>'); // registers the components
  return requireFromMjmlCore('mjml-parser-xml') as Parser;
})();
const core = requireFromMjmlCore('./index') as {
  components: Record<string, { endingTag?: boolean; getTagName(): string }>;
};
const endingTags = new Set(
  Object.values(core.components)
    .filter((component) => component.endingTag)
    .map((component) => component.getTagName()),
);

function parsed(source: string): MjmlNode {
  return parse(source, {
    keepComments: false,
    components: core.components,
    filePath: repoRoot,
    actualPath: '.',
    preprocessors: [],
    ignoreIncludes: true,
  });
}

const bodyOf = (tree: MjmlNode) => tree.children?.find((child) => child.tagName === 'mj-body');

/** Every block of the cut is the parse's block, alone or in its email; undefined if the parse fails. */
function expectCutAsParsed(source: string, pieces: MjmlPieces): void {
  let whole: MjmlNode;
  try {
    whole = parsed(source);
  } catch {
    throw new Error(`the cut accepted a text MJML cannot parse: ${source}`);
  }
  const tags = (whole.children ?? []).map((child) => child.tagName).join(' ');
  expect({ source, tags }).toEqual({ source, tags: expect.stringMatching(/^(mj-head )?mj-body$/) });
  const children = bodyOf(whole)?.children ?? [];
  expect({ source, blocks: children.length }).toEqual({ source, blocks: pieces.blocks.length });
  for (const [index, block] of pieces.blocks.entries()) {
    const alone = bodyOf(parsed(`${pieces.prefix}${block.text}</mj-body></mjml>`))?.children ?? [];
    expect({ source, index, blocks: alone.length }).toEqual({ source, index, blocks: 1 });
    expect({ source, index, block: blockJson(alone[0]!) }).toEqual({
      source,
      index,
      block: blockJson(children[index]!),
    });
    const fromText = textWithContentsAside(block);
    const fromParse = jsonWithContentsAside(children[index]!);
    expect({ source, index, contents: fromText.contents }).toEqual({
      source,
      index,
      contents: fromParse?.contents ?? [],
    });
    // The text with its contents set aside parses to the block with them set aside: what keys it.
    const hollow = bodyOf(parsed(`${pieces.prefix}${fromText.text}</mj-body></mjml>`))?.children ?? [];
    expect({ source, index, hollow: blockJson(hollow[0]!) }).toEqual({
      source,
      index,
      hollow: fromParse?.json ?? blockJson(children[index]!),
    });
  }
}

const page = (body: string, head = '<mj-title>{{{slots.s90}}}</mj-title>') =>
  `<mjml lang="{{{slots.s91}}}">\n<mj-head>${head}</mj-head>\n<mj-body width="600px">\n${body}\n</mj-body>\n</mjml>\n`;
const text = (content: string) =>
  `<mj-section><mj-column><mj-text padding="4px">${content}</mj-text></mj-column></mj-section>`;

test('the emails of the sample issues cut into their blocks as MJML parses them', async () => {
  const { config } = await loadConfig(repoRoot);
  const templates = await loadEmailTemplates(
    templatesFor(repoRoot, config!, `${repoRoot}/bulletin.config.yaml`),
  );
  const dates = await listIssueDates(repoRoot);
  expect(dates.length).toBeGreaterThanOrEqual(3);
  for (const date of dates) {
    const { rendered } = await prepareFresh(repoRoot, date, config!);
    const source = emailMjml(rendered!, config!, templates);
    const pieces = splitMjml(source, endingTags);
    expect({ date, cut: pieces !== undefined }).toEqual({ date, cut: true });
    expect(pieces!.blocks.length).toBeGreaterThan(5);
    expectCutAsParsed(source, pieces!);
  }
}, 60_000);

test('hard cases the cut must read as the parser does', () => {
  const accepted = [
    page(text('{{{slots.s1}}}<!-- </mj-text> -->{{{slots.s2}}}')),
    page(text('<a title="</mj-text>" href=\'x>y\'>{{{slots.s1}}}</a>')),
    page(text('<!-->{{{slots.s1}}}<!--->{{{slots.s2}}}<!---->')),
    page(text('<p>one<p>two</div></p><br></br><img src="a">')),
    page(text('   {{{slots.s1}}}   ')),
    page(text('   ')),
    page(`<mj-section css-class="a>b"><mj-column><mj-image src="x" /></mj-column></mj-section>`),
    page(`<mj-raw><!--[if mso | IE]><table><tr><td><![endif]--></mj-raw>${text('x')}`),
    page(`${text('a')}${text('b')}\n\t ${text('c')}`),
    page('<mj-section><mj-column><!-- a comment --><mj-text/></mj-column></mj-section>'),
    page(text('x'), '<mj-attributes><mj-text padding="0" /></mj-attributes><mj-style>a > b { }</mj-style>'),
    '<mjml><mj-body><mj-section></mj-section></mj-body></mjml>',
    '<mjml><mj-body></mj-body></mjml>',
  ];
  for (const source of accepted) {
    const pieces = splitMjml(source, endingTags);
    expect({ source, cut: pieces !== undefined }).toEqual({ source, cut: true });
    expectCutAsParsed(source, pieces!);
  }
  const refused = [
    page(text('<style></mj-text></style>')),
    page(text('<script>"</mj-text>"</script>')),
    page(text('<title></mj-text></title>')),
    page(text('<textarea></mj-text></textarea>')),
    page(text('<svg><mj-text/></svg>')),
    page(text('<![CDATA[ </mj-text> ]]>')),
    page(text('a < b')),
    page(text('<!-- never closed')),
    page(text('</mj-column>')),
    page(text('<mj-text>nested</mj-text>')),
    page(text('x</mj-text ><mj-text>')),
    page('<MJ-SECTION></MJ-SECTION>'),
    page('<mj-section padding=0></mj-section>'),
    page('<mj-section a="1"b="2"></mj-section>'),
    page(`${text('a')} stray text ${text('b')}`),
    page(`${text('a')}<!-- between -->${text('b')}`),
    page('<mj-section><mj-column><mj-image src="x"></mj-column></mj-section>'),
    page('<mj-section><div>html outside mj-text</div></mj-section>'),
    page('<mj-include path="./other.mjml" />'),
    page(`${'<mj-wrapper>'.repeat(100)}${'</mj-wrapper>'.repeat(100)}`),
    `<?xml version="1.0"?>${page(text('x'))}`,
    `${page(text('x'))}<mj-raw>after</mj-raw>`,
    '<mjml><mj-body><mj-section></mj-section></mj-body><mj-head></mj-head></mjml>',
    '<mjml><mj-head><mj-title>t</mj-title></mj-head><mj-raw>x</mj-raw><mj-body></mj-body></mjml>',
    '<mjml><mj-body><mj-section></mj-section></mj-body>',
    // A root closed at once: the parser's root is then mj-body.
    '<mjml/><mj-body><mj-body><mj-section></mj-section></mj-body></mj-body></mjml>',
    // Text in an element that is not kept as it is: joined into its content across its children.
    page('<mj-section><mj-column>x<mj-text/></mj-column></mj-section>'),
    page('<mj-section><mj-column>{{{slots.<mj-text/>s1}}}</mj-column></mj-section>'),
    page('<mj-section><mj-column>{{{slots.<!-- -->s1}}}</mj-column></mj-section>'),
  ];
  for (const source of refused)
    expect({ source, cut: splitMjml(source, endingTags) }).toEqual({ source, cut: undefined });
});

/** A small deterministic generator: the mutations are the same on every run. */
function* random(seed: number): Generator<number> {
  let state = seed;
  for (;;) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    yield state / 2 ** 32;
  }
}

test('five thousand mutations of an email: every cut made agrees with the parse', () => {
  const fragments = [
    '<!--',
    '-->',
    '<!-->',
    '</mj-text>',
    '<mj-text>',
    '</mj-column>',
    '<mj-column>',
    '</mj-section>',
    '<mj-section>',
    '<mj-image src="x" />',
    '"',
    "'",
    '<',
    '>',
    '/>',
    '<p>',
    '</p>',
    '<br>',
    '<style>',
    '</style>',
    '<![CDATA[',
    ']]>',
    '{{{slots.s5}}}',
    ' a="1"',
    '\n',
    '</mj-body>',
    '<mj-raw>',
    '</mj-raw>',
  ];
  const base = page(
    [
      '<mj-raw><div style="display:none">{{{slots.s1}}}</div></mj-raw>',
      text('<h2>{{{slots.s2}}}</h2>{{{slots.s3}}}'),
      `<mj-section padding="0"><mj-column width="50%">${'<mj-text>{{{slots.s4}}}</mj-text>'}</mj-column>` +
        '<mj-column><mj-button href="{{{slots.s6}}}">{{{slots.s7}}}</mj-button></mj-column></mj-section>',
      text('<a href="{{{slots.s8}}}">{{{slots.s9}}}</a>'),
    ].join('\n'),
  );
  const next = random(20_261_206);
  const pick = (n: number) => Math.floor(next.next().value! * n);
  let cut = 0;
  for (let round = 0; round < 5_000; round++) {
    let source = base;
    for (let edits = 1 + pick(3); edits > 0; edits--) {
      const at = pick(source.length + 1);
      source = source.slice(0, at) + fragments[pick(fragments.length)] + source.slice(at);
    }
    const pieces = splitMjml(source, endingTags);
    if (!pieces) continue;
    cut++;
    expectCutAsParsed(source, pieces);
  }
  // Many mutations land in text or attribute values and leave a cut to check.
  expect(cut).toBeGreaterThan(100);
}, 120_000);

test('an email made of known blocks is laid out from its text, with plain MJML bytes', async () => {
  type Mjml = (input: string | object, options: object) => Promise<{ html: string; errors: unknown[] }>;
  const mjml = mjml2html as unknown as Mjml;
  const blocks = [
    text('{{{slots.s1}}}'),
    text('<p>{{{slots.s2}}}</p>'),
    '<mj-raw><div style="display:none">{{{slots.s3}}}</div></mj-raw>',
  ];
  // The second and third emails hold the first's blocks with other contents and slot numbers.
  const sources = [
    page(blocks.join('\n')),
    page([text('{{{slots.s11}}} and {{{slots.s12}}}'), blocks[2]!.replace('s3', 's13'), blocks[1]].join('')),
    page([blocks[1]!.replace('s2', 's21'), text('<b>{{{slots.s22}}}</b>')].join('\n')),
  ];
  const before = rememberedPageCounts();
  for (const source of sources) {
    const plain = (await mjml(source, mjmlOptions(repoRoot, false))).html;
    const fast = (await layOutWithMemory(source, repoRoot, mjml, mjmlOptions(repoRoot))).html;
    expect({ source, html: fast }).toEqual({ source, html: plain });
  }
  const after = rememberedPageCounts();
  expect(after.unparsed - before.unparsed).toBeGreaterThanOrEqual(1);
});
