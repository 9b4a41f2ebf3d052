import { createRequire } from 'node:module';
import mjml2html from 'mjml';
import { templatesFor } from '../src/build/pipeline.js';
import { prepareFresh } from '../src/build/prepare.js';
import { loadConfig } from '../src/content/config.js';
import { listIssueDates } from '../src/content/issues-dir.js';
import { emailMjml, layOutEmail, mjmlOptions } from '../src/render/email/compile.js';
import { fontScanCounts, fontsNamedIn } from '../src/render/email/mjml-fonts.js';
import { loadEmailTemplates } from '../src/render/email/templates.js';
import { repoRoot } from './helpers/cli.js';

/**
 * MJML scans every email for five web-font names with a regex each (mjml-core helpers/fonts.js).
 * The email's skeleton hands it only the fonts whose name occurs (src/render/email/mjml-fonts.ts):
 * the output must be the bytes of MJML's own scan, and the built-in templates, which name no web
 * font, must run none of the scans.
 */
type Mjml = (source: string, options: object) => Promise<{ html: string }>;
const mjml = mjml2html as unknown as Mjml;
type BuildFontsTags = (content: string, inlineStyle: string[], fonts: Record<string, string>) => string;

function mjmlOwnFontsTags(): BuildFontsTags {
  const fromMjml = createRequire(createRequire(import.meta.url).resolve('mjml'));
  const fromCore = createRequire(fromMjml.resolve('mjml-core'));
  return (fromCore('./helpers/fonts') as { buildFontsTags: BuildFontsTags }).buildFontsTags;
}

const MJML_FONTS = {
  'Open Sans': 'https://fonts.googleapis.com/css?family=Open+Sans:300,400,500,700',
  'Droid Sans': 'https://fonts.googleapis.com/css?family=Droid+Sans:300,400,500,700',
  Lato: 'https://fonts.googleapis.com/css?family=Lato:300,400,500,700',
  Roboto: 'https://fonts.googleapis.com/css?family=Roboto:300,400,500,700',
  Ubuntu: 'https://fonts.googleapis.com/css?family=Ubuntu:300,400,500,700',
  // An mj-font may name anything; the regex reads `.` as any character and `+` as a repeat.
  'Fira.Sans': 'https://fonts.example/fira.css',
  'Noto+': 'https://fonts.example/noto.css',
};

test('the fonts handed on give the same font tags as MJML scanning for all of them', () => {
  const buildFontsTags = mjmlOwnFontsTags();
  const contents = [
    '',
    '<p style="font-family:Arial">Ubuntu and roboto, named as words only</p>',
    '<td style="font-family:ROBOTO, Arial">x</td>',
    '<td style="color:red;font-family:Helvetica">"</td><p style="font-family:open sans">',
    'font-family:Lato" unquoted before',
    '<div style="font-family:\'Droid\nSans\'">line break inside the name</div>',
    '<div style="font-family:\'droid sans\'">a</div>',
    '<div style="font-family:FiraXSans">a</div>',
    '<div style="font-family:Notooo">a</div>',
    // Kelvin sign and dotted capital I: lower-casing makes ASCII of them, the regex does not.
    '<div style="font-family:Ubuntu">\u212A</div><div style="font-family:LAT\u0130O">',
    '"font-family:\u212Aato"',
  ];
  const inlineStyles = [
    [],
    ['.a { font-family: lato; }'],
    ['.b { font-family: "Open Sans" }', '.c { color: red }'],
  ];
  let compared = 0;
  for (const content of contents)
    for (const inlineStyle of inlineStyles) {
      const narrowed = fontsNamedIn({ content, inlineStyle, fonts: MJML_FONTS });
      expect({ content, inlineStyle, tags: buildFontsTags(content, inlineStyle, narrowed) }).toEqual({
        content,
        inlineStyle,
        tags: buildFontsTags(content, inlineStyle, MJML_FONTS),
      });
      compared++;
    }
  expect(compared).toBe(contents.length * inlineStyles.length);
});

const documents = [
  '<mj-attributes><mj-all font-family="ROBOTO, Arial" /></mj-attributes>',
  '<mj-attributes><mj-text font-family="\'open sans\', Arial" /></mj-attributes>',
  '<mj-style inline="inline">.x { font-family: lato, serif; }</mj-style>',
  '<mj-font name="Fira.Sans" href="https://fonts.example/fira.css" />' +
    '<mj-attributes><mj-all font-family="FiraXSans" /></mj-attributes>',
  '<mj-attributes><mj-all font-family="Arial" /></mj-attributes>',
].map(
  (head) =>
    `<mjml><mj-head>${head}</mj-head><mj-body><mj-section><mj-column>` +
    '<mj-text css-class="x">Ubuntu, Lato and Roboto in the words only: {{{slots.s1}}}</mj-text>' +
    '<mj-button href="https://example.org/">Go</mj-button></mj-column></mj-section></mj-body></mjml>',
);

test('emails naming web fonts in any case, inline or by mj-font: the same bytes as plain MJML', async () => {
  for (const document of documents) {
    const plain = await mjml(document, mjmlOptions('.', false));
    const narrowed = await mjml(document, mjmlOptions('.', true));
    expect(narrowed.html).toEqual(plain.html);
  }
  const linked = await mjml(documents[0]!, mjmlOptions('.', true));
  expect(linked.html).toContain('family=Roboto');
});

test('the built-in templates name no web font: MJML runs none of its five font scans', async () => {
  const { config } = await loadConfig(repoRoot);
  if (!config) throw new Error('the sample config did not load');
  const templatesDir = templatesFor(repoRoot, config, undefined);
  const templates = await loadEmailTemplates(templatesDir);
  const [date] = await listIssueDates(repoRoot);
  const { rendered } = await prepareFresh(repoRoot, date!, config);
  if (!rendered) throw new Error(`${date} did not render`);
  const before = fontScanCounts();
  const fast = await layOutEmail(rendered, config, templates);
  const after = fontScanCounts();
  expect({ scanned: after.scanned - before.scanned, skipped: after.skipped - before.skipped }).toEqual({
    scanned: 0,
    skipped: 5,
  });
  const plain = await mjml(emailMjml(rendered, config, templates), mjmlOptions(templatesDir, false));
  expect(fast.html.layout).toEqual(plain.html);
}, 60_000);
