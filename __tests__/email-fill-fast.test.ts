import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { generateCorpus } from '../scripts/generate-corpus.js';
import { prepareFresh } from '../src/build/prepare.js';
import { templatesFor } from '../src/build/pipeline.js';
import { loadConfig } from '../src/content/config.js';
import { listIssueDates } from '../src/content/issues-dir.js';
import { FILL_OPTIONS, hydrateEmail, layOutEmail, type EmailLayout } from '../src/render/email/compile.js';
import { compileFill, utf8Of } from '../src/render/email/fill-template.js';
import { loadEmailTemplates } from '../src/render/email/templates.js';
import { repoRoot } from './helpers/cli.js';
import { joined } from './helpers/filled-apart.js';

/**
 * The per-recipient fill compiled from a reduced template (src/render/email/fill-template.ts) must
 * give Handlebars' own bytes for the full layout: every sample issue and corpus shape, HTML and
 * text, for recipients with and without the optional fields, and hostile values. So must the fill
 * with its slot values apart, once they are put back.
 */
const env = Handlebars.create();
const TEXT_OPTIONS = { ...FILL_OPTIONS, noEscape: true };

const recipients: Record<string, string>[] = [
  {
    name: '',
    email: 'a@example.org',
    unsubscribeUrl: 'https://x.example/u/1',
    listName: '',
    subscribedOn: '',
  },
  {
    name: 'Jane <b>"Doe"</b> & \'co\' `=`',
    email: 'jane.doe@example.org',
    unsubscribeUrl: 'https://x.example/u/2?a=1&b=2',
    preferencesUrl: 'https://x.example/p/2',
    viewOnlineUrl: 'https://x.example/v',
    listName: 'Weekly {{bulletin}}',
    subscribedOn: '3 March 2026',
  },
  // The token characters in a recipient's field: that fill goes through the full template.
  {
    name: 'Eve \uE0000\uE001',
    email: 'e@example.org',
    unsubscribeUrl: '\uE001',
    listName: 'L',
    subscribedOn: '',
  },
];

function expectSameFill(layout: string, slots: Record<string, string>, options: CompileOptions, fast = true) {
  const reduced = compileFill(env, layout, options);
  const full = env.compile(layout, options);
  expect(reduced.fast).toBe(fast);
  for (const recipient of recipients) {
    const withDefaults = { preferencesUrl: 'P', viewOnlineUrl: 'V', ...recipient };
    const expected = full({ slots, recipient: withDefaults });
    expect(reduced.fill({ slots, recipient: withDefaults })).toBe(expected);
    const apart = reduced.fillApart({ slots, recipient: withDefaults });
    expect(joined(apart)).toBe(expected);
    expect(utf8Of(apart).equals(Buffer.from(expected))).toBe(true);
    expect(apart.slots.every(({ value }) => Object.values(slots).includes(value))).toBe(true);
  }
}

async function layoutsOf(root: string): Promise<EmailLayout[]> {
  const { config, problems } = await loadConfig(root);
  if (!config) throw new Error(JSON.stringify(problems));
  const templates = await loadEmailTemplates(templatesFor(root, config, join(root, 'bulletin.config.yaml')));
  const layouts: EmailLayout[] = [];
  for (const date of await listIssueDates(root)) {
    const { rendered } = await prepareFresh(root, date, config);
    if (!rendered) throw new Error(`${date} did not render`);
    layouts.push(await layOutEmail(rendered, config, templates));
  }
  return layouts;
}

test('every sample issue: the reduced fill gives Handlebars bytes, HTML and text', async () => {
  const layouts = await layoutsOf(repoRoot);
  expect(layouts.length).toBeGreaterThanOrEqual(3);
  for (const layout of layouts) {
    expectSameFill(layout.html.layout, layout.html.slots, FILL_OPTIONS);
    expectSameFill(layout.text.layout, layout.text.slots, TEXT_OPTIONS);
    // What a build writes: the email with placeholders, encoded from its pieces.
    const email = hydrateEmail(layout);
    const apart = email.withPlaceholdersApart();
    expect(utf8Of(apart.html).equals(Buffer.from(email.withPlaceholders().html))).toBe(true);
    expect(apart.text).toBe(email.withPlaceholders().text);
  }
}, 60_000);

test('every email shape of the generated corpus: the same bytes both ways', async () => {
  const work = mkdtempSync(join(tmpdir(), 'bulletin-fill-fast-'));
  try {
    const root = join(work, 'corpus');
    await generateCorpus(root, { issues: 30 });
    for (const layout of await layoutsOf(root)) {
      expectSameFill(layout.html.layout, layout.html.slots, FILL_OPTIONS);
      expectSameFill(layout.text.layout, layout.text.slots, TEXT_OPTIONS);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}, 300_000);

test('standalone blocks, whitespace around them and hostile slot values keep Handlebars semantics', () => {
  const long = 'a line of static text long enough for a token';
  const layout =
    `  ${long}  \n{{#if recipient.name}}\n   ${long} {{recipient.name}} ${long}\n{{else}}\n` +
    `\t${long}\n  {{/if}}  \n{{{slots.s0}}}\n\n   {{#if recipient.listName}}  ${long}{{/if}}${long}\r\n`;
  expectSameFill(layout, { s0: `<p>{{recipient.name}} ${long}</p>` }, FILL_OPTIONS);
  expectSameFill(layout, { s0: 'a slot holding \uE0000\uE001, the token characters' }, TEXT_OPTIONS);
});

test('slots beside standalone blocks, at the start and end, alone in a block: Handlebars semantics', () => {
  const slots = { s0: 'zero', s1: '  one\n', s2: '\n', s3: '' };
  for (const layout of [
    '{{{slots.s0}}}\n{{#if recipient.name}}\n{{{slots.s1}}}\n{{/if}}\n{{{slots.s2}}}',
    '  \n{{#if recipient.name}}{{{slots.s0}}}{{else}}\n  {{{slots.s1}}}  \n{{/if}}  ',
    '{{{slots.s0}}}  {{#if recipient.listName}}\r\n  {{/if}}\r\n{{{slots.s3}}}{{recipient.email}}{{{slots.s1}}}',
    '\n\n{{#if recipient.name}}\n\n{{else}}\n\n{{/if}}\n\n{{{slots.s2}}}\t\n',
    'text {{{slots.s0}}}{{{slots.s1}}} more {{recipient.name}}{{{slots.s2}}}  \n  {{#if recipient.email}}x{{/if}}',
  ]) {
    expectSameFill(layout, slots, FILL_OPTIONS);
    expectSameFill(layout, slots, TEXT_OPTIONS);
  }
});

test('a slot whose value changes between fills is filled in afresh', () => {
  const layout = 'Hello {{recipient.name}}, {{{slots.s0}}} and a long enough static text';
  const reduced = compileFill(env, layout, FILL_OPTIONS);
  const slots: Record<string, string> = { s0: 'first' };
  const recipient = recipients[1]!;
  expect(reduced.fill({ slots, recipient })).toContain('first');
  slots.s0 = 'second';
  expect(reduced.fill({ slots, recipient })).toBe(env.compile(layout, FILL_OPTIONS)({ slots, recipient }));
});

test('the runs are filled in again when a slot they print changes, and only then', () => {
  const layout = 'Hello {{recipient.name}}, {{{slots.s0}}} and {{{slots.s1}}}, a long enough static text';
  const reduced = compileFill(env, layout, FILL_OPTIONS);
  const full = env.compile(layout, FILL_OPTIONS);
  const recipient = recipients[1]!;
  const slots: Record<string, string> = { s0: 'zero', s1: 'one', unused: 'u' };
  const fills = [
    () => {},
    () => (slots.unused = 'changed'),
    () => (slots.s1 = 'uno'),
    () => delete slots.unused,
  ];
  for (const change of fills) {
    change();
    expect(reduced.fill({ slots, recipient })).toBe(full({ slots, recipient }));
  }
  // A slot missing fails as Handlebars fails; given a value, the next fill prints it.
  delete slots.s0;
  expect(() => reduced.fill({ slots, recipient })).toThrow(/s0/);
  slots.s0 = 'back';
  expect(reduced.fill({ slots, recipient })).toBe(full({ slots, recipient }));
  expect(reduced.fill({ slots: { ...slots }, recipient })).toContain('back and uno');
});

test('a slot without a value fails as Handlebars fails', () => {
  const layout = 'Hello {{recipient.name}}, {{{slots.s7}}} and a long enough static text';
  const reduced = compileFill(env, layout, FILL_OPTIONS);
  const data = { slots: {}, recipient: recipients[1]! };
  expect(reduced.fast).toBe(true);
  expect(() => reduced.fill(data)).toThrow(/s7/);
  expect(() => reduced.fillApart(data)).toThrow(/s7/);
  expect(() => env.compile(layout, FILL_OPTIONS)(data)).toThrow(/s7/);
});

test('a layout with other mustaches, escapes or the token characters is compiled whole', () => {
  const long = 'static text long enough that it would get a token';
  for (const layout of [
    `${long}{{~recipient.name}} ${long}`,
    `${long} \\{{recipient.name}} ${long}{{recipient.email}}`,
    `${long}{{! a comment }}${long}`,
    `${long} \uE0000\uE001 {{recipient.email}} ${long}`,
  ]) {
    expectSameFill(layout, {}, FILL_OPTIONS, false);
  }
});
