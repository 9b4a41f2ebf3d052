import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import mjml2html from 'mjml';
import { generateCorpus } from '../scripts/generate-corpus.js';
import { prepareFresh } from '../src/build/prepare.js';
import { templatesFor } from '../src/build/pipeline.js';
import { loadConfig } from '../src/content/config.js';
import { listIssueDates } from '../src/content/issues-dir.js';
import type { Config } from '../src/content/model.js';
import { emailMjml, layOutEmail, mjmlOptions } from '../src/render/email/compile.js';
import { blockJson, type MjmlNode } from '../src/render/email/block-key.js';
import { layOutWithMemory, rememberedPageCounts } from '../src/render/email/document-memo.js';
import { memoizedBlockCounts, withRememberedBlocks } from '../src/render/email/mjml-memo.js';
import { loadEmailTemplates } from '../src/render/email/templates.js';
import {
  holdsEachOnce,
  jsonWithContentsAside,
  putBack,
  setAsideContents,
  standIn,
} from '../src/render/email/verbatim-content.js';
import { repoRoot } from './helpers/cli.js';

/**
 * The remembered MJML blocks (src/render/email/mjml-memo.ts) must give the very bytes plain MJML
 * gives, for every email: the sample issues, and every shape the benchmark's corpus generator
 * makes, each laid out after the others so that most of its blocks come from memory.
 */
type Mjml = (source: string, options: object) => Promise<{ html: string }>;
const plainMjml = mjml2html as unknown as Mjml;
const memoizedMjml = (source: string, dir: string) =>
  layOutWithMemory(
    source,
    dir,
    mjml2html as unknown as (tree: object, options: object) => Promise<{ html: string; errors: unknown[] }>,
    mjmlOptions(dir, true),
  );

async function expectSameAsPlainMjml(
  root: string,
  config: Config,
  dates: readonly string[],
): Promise<number> {
  const templatesDir = templatesFor(root, config, join(root, 'bulletin.config.yaml'));
  const templates = await loadEmailTemplates(templatesDir);
  let compared = 0;
  for (const date of dates) {
    const { rendered, problems } = await prepareFresh(root, date, config);
    if (!rendered) throw new Error(`${date} did not render: ${JSON.stringify(problems)}`);
    const plain = await plainMjml(emailMjml(rendered, config, templates), mjmlOptions(templatesDir, false));
    const fast = await layOutEmail(rendered, config, templates);
    expect({ date, html: fast.html.layout }).toEqual({ date, html: plain.html });
    // Held in one byte a character where it can be (as MJML's own is, at most), not in two for the
    // stand-ins it was made with: the email cache writes it as V8 holds it.
    expect(serialize(fast.html.layout).length).toBeLessThanOrEqual(serialize(plain.html).length);
    compared++;
  }
  return compared;
}

async function configOf(root: string): Promise<Config> {
  const { config, problems } = await loadConfig(root);
  if (!config) throw new Error(JSON.stringify(problems));
  return config;
}

test('every sample issue: the remembered blocks give plain MJML output byte for byte', async () => {
  const config = await configOf(repoRoot);
  const dates = await listIssueDates(repoRoot);
  expect(dates.length).toBeGreaterThanOrEqual(3);
  const before = memoizedBlockCounts();
  expect(await expectSameAsPlainMjml(repoRoot, config, dates)).toBe(dates.length);
  // The same issues again, with tags shown and without the tagline: other blocks, other head.
  const variant = {
    ...config,
    site: { ...config.site, tagline: undefined },
    email: { ...config.email, showTags: !config.email.showTags },
  };
  expect(await expectSameAsPlainMjml(repoRoot, variant, [...dates].reverse())).toBe(dates.length);
  const after = memoizedBlockCounts();
  expect(after.remembered).toBeGreaterThan(before.remembered);
}, 120_000);

test('every email shape of the generated corpus: byte for byte, most blocks from memory', async () => {
  const work = mkdtempSync(join(tmpdir(), 'bulletin-mjml-memo-'));
  try {
    const root = join(work, 'corpus');
    await generateCorpus(root, { issues: 40 });
    const config = await configOf(root);
    const dates = await listIssueDates(root);
    const before = memoizedBlockCounts();
    const pagesBefore = rememberedPageCounts();
    expect(await expectSameAsPlainMjml(root, config, dates)).toBe(40);
    const after = memoizedBlockCounts();
    const remembered = after.remembered - before.remembered;
    const rendered = after.rendered - before.rendered;
    // The point of the memory: the corpus's sections repeat (about 20 to 1 over 520 issues).
    expect(remembered).toBeGreaterThan(rendered);
    // And so do the pages around them: most emails are put together without MJML.
    const pagesAfter = rememberedPageCounts();
    expect(pagesAfter.remembered - pagesBefore.remembered).toBeGreaterThan(
      pagesAfter.made - pagesBefore.made,
    );
    // Most of those found from the email's text, without parsing it (source-memo.ts).
    expect(pagesAfter.unparsed - pagesBefore.unparsed).toBeGreaterThan(
      (pagesAfter.remembered - pagesBefore.remembered) / 2,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}, 300_000);

/** Blocks whose output depends on their place or adds to the head, in documents that share them. */
const section = (slot: number, columns = 1) =>
  `<mj-section padding="8px 0"${columns > 1 ? ' background-color="#eeeeee"' : ''}>${Array.from(
    { length: columns },
    (_, i) =>
      `<mj-column><mj-text>{{{slots.s${slot + i}}}}</mj-text>` +
      `<mj-image src="https://example.org/{{{slots.s${slot + 10 + i}}}}.png" width="120px" /></mj-column>`,
  ).join('')}</mj-section>`;
// Inside a wrapper with a gap, a section's place matters (the first has no gap above it).
const wrapper = `<mj-wrapper gap="12px" padding="4px">${section(40)}${section(41)}</mj-wrapper>`;
const preheader = '<mj-raw><div style="display:none">{{{slots.s90}}}</div></mj-raw>';
const documents = [
  [section(1), section(2), section(3, 2)],
  [preheader, section(4), section(5, 2)],
  [section(6, 2), preheader, section(7)],
  [section(8, 3), section(9, 3)],
  [preheader, section(1, 3), section(2)],
  [section(1), wrapper, section(2)],
  [wrapper, preheader, wrapper],
].map(
  (blocks) =>
    `<mjml lang="{{{slots.s99}}}"><mj-head><mj-title>{{{slots.s98}}}</mj-title>` +
    `<mj-breakpoint width="520px" /></mj-head><mj-body width="640px">${blocks.join('\n')}</mj-body></mjml>`,
);

test('a block first in its body, columns media queries and image styles: the same bytes from memory', async () => {
  const before = memoizedBlockCounts();
  for (const source of documents) {
    const plain = await plainMjml(source, mjmlOptions(repoRoot, false));
    const fast = await memoizedMjml(source, repoRoot);
    expect(fast.html).toBe(plain.html);
  }
  expect(memoizedBlockCounts().remembered).toBeGreaterThan(before.remembered);
});

test('blocks on one line, after a closing tag, over several lines, beside comments: the same bytes', async () => {
  // (Blocks were once keyed by their text where it could be cut out; these were its hard cases.)
  const head = `<mjml><mj-head><mj-title>{{{slots.s98}}}</mj-title></mj-head><mj-body width="600px">`;
  const split = (blocks: string[], joint: string) => `${head}\n${blocks.join(joint)}\n</mj-body></mjml>`;
  const spread = `<mj-section\n  padding="2px"\n>\n<mj-column><mj-text>{{{slots.s7}}}</mj-text></mj-column></mj-section>`;
  const sources = [
    split([section(1), section(2), section(3, 2)], '\n'),
    split([section(1), section(2), section(3, 2)], ''),
    split([section(1), section(2), section(3, 2)], '  '),
    split([section(2), section(1)], '\n<!-- <mj-section> in a comment -->\n'),
    split([section(1), spread, section(2)], '\n\t'),
    split([spread, section(1)], ''),
    split([preheader, section(1), wrapper], '\n'),
    split([preheader, section(1), wrapper], ' '),
    `${head}${section(1)}</mj-body></mjml>`,
    `${head}\n${section(1)}</mj-body></mjml><!-- </mj-body> -->`,
  ];
  const before = memoizedBlockCounts();
  for (const source of [...sources, ...sources]) {
    const plain = await plainMjml(source, mjmlOptions(repoRoot, false));
    const fast = await memoizedMjml(source, repoRoot);
    expect({ source, html: fast.html }).toEqual({ source, html: plain.html });
  }
  expect(memoizedBlockCounts().remembered).toBeGreaterThan(before.remembered + sources.length);
});

/** The key's JSON as the memory first wrote it: JSON.stringify with a replacer that drops nodes' lines. */
function withoutLines(this: unknown, name: string, value: unknown): unknown {
  return name === 'line' && typeof this === 'object' && this !== null && 'tagName' in this
    ? undefined
    : value;
}

test("a block's tree key is its JSON without the nodes' line numbers, for every block of the sample emails", async () => {
  const parseMjml = createRequire(createRequire(import.meta.url).resolve('mjml'))('mjml-parser-xml') as (
    source: string,
    options: object,
  ) => { children: { tagName: string; children: MjmlNode[] }[] };
  const config = await configOf(repoRoot);
  const templates = await loadEmailTemplates(templatesFor(repoRoot, config, undefined));
  let blocks = 0;
  for (const date of await listIssueDates(repoRoot)) {
    const { rendered } = await prepareFresh(repoRoot, date, config);
    if (!rendered) throw new Error(`${date} did not render`);
    const tree = parseMjml(emailMjml(rendered, config, templates), { keepComments: false });
    const body = tree.children.find((child) => child.tagName === 'mj-body')!;
    for (const block of body.children) {
      expect(blockJson(block)).toBe(JSON.stringify(block, withoutLines));
      blocks++;
    }
  }
  expect(blocks).toBeGreaterThan(20);
  const moved = (line: number): MjmlNode => ({
    tagName: 'mj-section',
    line,
    attributes: { padding: '0' },
    children: [{ tagName: 'mj-text', line: line + 1, attributes: {}, content: '{{{slots.s1}}}' }],
  });
  expect(blockJson(moved(3))).toBe(blockJson(moved(40)));
}, 60_000);

test('a mistake in a template is rejected in the same words with blocks from memory as by plain MJML', async () => {
  const good = '<mj-section><mj-column><mj-text>{{{slots.s1}}}</mj-text></mj-column></mj-section>';
  const mistakes = [
    `<mjml><mj-body>${good}<mj-column-typo></mj-column-typo></mj-body></mjml>`,
    `<mjml><mj-body>${good}<mj-section bogus="1"><mj-column></mj-column></mj-section></mj-body></mjml>`,
    `<mjml><mj-body>${good}<mj-section><mj-text>{{{slots.s2}}}</mj-text></mj-section></mj-body></mjml>`,
    `<mjml><mj-body>${good}<mj-section><mj-column><mj-text padding="x">a</mj-text></mj-column>`,
  ];
  const outcome = (run: () => Promise<{ html: string }>) =>
    run().then(
      ({ html }) => `made ${html.length} bytes`,
      (error: Error & { errors?: { formattedMessage: string }[] }) =>
        `${error.message} ${JSON.stringify(error.errors?.map((e) => e.formattedMessage))}`,
    );
  // The good block is remembered, and stands in its place in each document with a mistake around it.
  await memoizedMjml(`<mjml><mj-body>${good}</mj-body></mjml>`, repoRoot);
  const body = withRememberedBlocks(mistakes[0]!, repoRoot).children?.find((c) => c.tagName === 'mj-body');
  expect(body?.children?.map((child) => child.tagName)).toEqual(['mj-raw', 'mj-column-typo']);
  for (const source of mistakes) {
    const plain = await outcome(() => plainMjml(source, mjmlOptions(repoRoot, false)));
    expect(plain).not.toMatch(/^made/);
    expect(await outcome(() => memoizedMjml(source, repoRoot))).toBe(plain);
  }
});

test('blocks that differ only in what mj-text, mj-button, mj-table and mj-raw hold are laid out once', async () => {
  // What these tags hold is set aside from the key (verbatim-content.ts): replacement patterns, a
  // slot marker, markup and Outlook comments included, it must come back where plain MJML puts it.
  const holding = (text: string, button: string, cell: string, raw: string) =>
    `<mj-section padding="4px"><mj-column><mj-text color="#333333">\n  ${text}\n</mj-text>` +
    `<mj-button href="https://example.org/{{{slots.s3}}}">${button}</mj-button>` +
    `<mj-table><tr><td>${cell}</td></tr></mj-table></mj-column></mj-section>\n<mj-raw>${raw}</mj-raw>`;
  const variants = [
    holding('<p>{{{slots.s1}}}</p>', 'Read more', '1', '<hr>'),
    holding(
      '<ul><li>$& $1 $$</li><li>{{{slots.s2}}}</li></ul>',
      'Book',
      '2 <b>x</b>',
      '<!--[if mso]><br><![endif]-->',
    ),
    holding('<h2>{{{slots.s1}}}</h2>\n<p>two\n lines</p>', '{{{slots.s2}}}', '', '<div>{{{slots.s4}}}</div>'),
  ];
  const documents = variants.map(
    (blocks) =>
      `<mjml><mj-head><mj-title>{{{slots.s98}}}</mj-title></mj-head><mj-body width="600px">\n${blocks}\n</mj-body></mjml>`,
  );
  const before = memoizedBlockCounts();
  for (const source of [...documents, ...documents]) {
    const plain = await plainMjml(source, mjmlOptions(repoRoot, false));
    expect({ source, html: (await memoizedMjml(source, repoRoot)).html }).toEqual({
      source,
      html: plain.html,
    });
  }
  const after = memoizedBlockCounts();
  // The section and the raw block once each; all the others from memory.
  expect(after.rendered - before.rendered).toBe(2);
  expect(after.remembered - before.remembered).toBe(10);
});

test('a template that writes a content stand-in itself keeps contents in its keys: the same bytes', async () => {
  const block = (text: string) =>
    `<mj-section><mj-column><mj-text>${text}</mj-text></mj-column></mj-section>`;
  const sources = [block(standIn(0)), block(`a ${standIn(0)}`), block('b \uE003')].map(
    (blocks, index) => `<mjml><mj-body>\n${blocks}\n${block(`own ${index}`)}\n</mj-body></mjml>`,
  );
  for (const source of [...sources, ...sources]) {
    const plain = await plainMjml(source, mjmlOptions(repoRoot, false));
    expect((await memoizedMjml(source, repoRoot)).html).toBe(plain.html);
  }
});

test('a laid-out block is checked to hold each content stand-in once and no other', () => {
  expect(holdsEachOnce(`<p>${standIn(1)}</p>${standIn(0)}`, 2)).toBe(true);
  expect(holdsEachOnce(`${standIn(0)}${standIn(0)}`, 1)).toBe(false);
  expect(holdsEachOnce(standIn(0), 2)).toBe(false);
  expect(holdsEachOnce(`${standIn(0)}${standIn(2)}`, 2)).toBe(false);
  expect(holdsEachOnce('', 0)).toBe(true);
  const column: MjmlNode = {
    tagName: 'mj-column',
    attributes: {},
    children: [
      { tagName: 'mj-text', attributes: {}, content: 'one' },
      { tagName: 'mj-image', attributes: { src: 'x' } },
      { tagName: 'mj-text', attributes: {}, content: '' },
      { tagName: 'mj-button', attributes: {}, content: 'two' },
    ],
  };
  const aside = setAsideContents(column);
  expect(aside?.contents).toEqual(['one', 'two']);
  // The key is written from the block itself: the JSON of the block with its contents set aside.
  expect(jsonWithContentsAside(column)).toEqual({ json: blockJson(aside!.node), contents: ['one', 'two'] });
  expect(putBack(JSON.stringify(aside?.node), aside?.contents ?? [])).toContain('"content":"two"');
  expect(setAsideContents({ tagName: 'mj-divider', attributes: {} })).toBeUndefined();
  expect(jsonWithContentsAside({ tagName: 'mj-text', attributes: {}, content: '' })).toBeUndefined();
});

/** A document around body blocks, with a title (MJML wants one) and a body width. */
const bodyOf = (blocks: string) =>
  `<mjml><mj-head><mj-title>t</mj-title></mj-head><mj-body width="600px">\n${blocks}\n</mj-body></mjml>`;

test('what a hostile review found: each pair laid out in turn gives plain MJML bytes and errors', async () => {
  const column = (inner: string) => `<mj-section><mj-column>${inner}</mj-column></mj-section>`;
  const pairs: [string, string][] = [
    // A stand-in put together from two attributes, beside a text MJML never prints (inside mj-all).
    [
      bodyOf(
        column(
          '<mj-all><mj-text>SECRET</mj-text></mj-all><mj-navbar base-url="{{{content.">' +
            '<mj-navbar-link href="#0}}}">L</mj-navbar-link></mj-navbar>',
        ),
      ),
      bodyOf(column(`<mj-all><mj-text>${'\uE002'}0${'\uE003'}</mj-text></mj-all>`)),
    ],
    // A slot marker in an attribute MJML reads as a number keeps its digits: s7 is 7, s0 is 0.
    [7, 0].map((n) => bodyOf(column(`<mj-table cellspacing="{{{slots.s${n}}}}"/>`))) as [string, string],
    // A marker MJML puts together from a navbar's base-url and a link's href.
    [5, 9].map((n) =>
      bodyOf(
        column(
          `<mj-navbar base-url="{{{slots."><mj-navbar-link href="s5}}}">{{{slots.s${n}}}}</mj-navbar-link></mj-navbar>`,
        ),
      ),
    ) as [string, string],
    // A block whose nested tag opens the line the next block opens on; then a wrong colour in it.
    ['red', 'notacolor'].map((colour) =>
      bodyOf(
        `<mj-wrapper>\n${column(`<mj-divider border-color="${colour}" />`)}</mj-wrapper>${column('<mj-spacer />')}`,
      ),
    ) as [string, string],
    // A body closed only by </mjml>, with </mj-body> inside an attribute of its last block.
    ['A', 'B'].map(
      (name) =>
        `<mjml><mj-head><mj-title>t</mj-title></mj-head><mj-body>\n${column(`<mj-image alt="</mj-body>" src="https://example.org/${name}.png" />`)}\n</mjml>`,
    ) as [string, string],
  ];
  const outcome = (run: () => Promise<{ html: string }>) =>
    run().then(
      ({ html }) => html,
      (error: Error) => `threw: ${error.message}`,
    );
  for (const pair of pairs) {
    for (const source of pair) {
      const plain = await outcome(() => plainMjml(source, mjmlOptions(repoRoot, false)));
      expect({ source, html: await outcome(() => memoizedMjml(source, repoRoot)) }).toEqual({
        source,
        html: plain,
      });
    }
  }
});

test('components that draw a random id are laid out every time: two carousels keep two ids', async () => {
  const carousel =
    '<mj-section><mj-column><mj-carousel><mj-carousel-image src="https://example.org/a.png" />' +
    '<mj-carousel-image src="https://example.org/b.png" /></mj-carousel></mj-column></mj-section>';
  const source = bodyOf(
    `<mj-section><mj-column><mj-spacer /></mj-column></mj-section>\n${carousel}\n${carousel}`,
  );
  const ids = (html: string) => new Set(html.match(/mj-carousel-radio-[0-9a-f]{16}/g)).size;
  for (let run = 0; run < 2; run++) expect(ids((await memoizedMjml(source, repoRoot)).html)).toBe(2);
});

test('a template that puts content where MJML drops it is stopped, not laid out without it', async () => {
  const config = await configOf(repoRoot);
  const { rendered } = await prepareFresh(repoRoot, (await listIssueDates(repoRoot))[0]!, config);
  if (!rendered) throw new Error('the sample did not render');
  const layout = (classNamed: string) => ({
    dir: join(repoRoot, 'templates'),
    // An mj-class is never printed: content written as its name would vanish from the email.
    html: () =>
      `<mjml><mj-head><mj-attributes><mj-class name="${classNamed}" color="red" /></mj-attributes></mj-head>` +
      '<mj-body><mj-section><mj-column><mj-text>{{{slots.s2}}}</mj-text></mj-column></mj-section></mj-body></mjml>',
    text: () => 'text',
  });
  await expect(layOutEmail(rendered, config, layout('plain'))).resolves.toBeDefined();
  await expect(layOutEmail(rendered, config, layout('{{{slots.s1}}}'))).rejects.toThrow(
    'MJML altered the content markers',
  );
});
