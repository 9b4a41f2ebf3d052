import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareFresh } from '../src/build/prepare.js';
import { loadConfig } from '../src/content/config.js';
import { frontMatterSplits, rememberSplitsByText } from '../src/content/front-matter-memo.js';
import { templatesFor } from '../src/build/pipeline.js';
import { compileEmail } from '../src/render/email/compile.js';
import { memoizedBlockCounts } from '../src/render/email/mjml-memo.js';
import { loadEmailTemplates } from '../src/render/email/templates.js';
import { markdownParses, rememberBodiesByText } from '../src/render/markdown.js';
import { PreviewSession } from '../src/preview/session.js';
import { repoRoot } from './helpers/cli.js';
import { tempSite } from './helpers/site.js';

/**
 * A save in the preview rebuilds the issue, but work whose inputs did not change is not done again:
 * the Markdown of the files not saved, and MJML when the email's structure is the same (a title is
 * a slot value, not structure). The email shown must still be, byte for byte, what a build from
 * nothing makes of the files as they are now.
 */
const DATE = '2018-05-25';
const SITE_URL = 'http://127.0.0.1:9/site/';
let site: ReturnType<typeof tempSite>;
let itemFile: string;
let original: string;

beforeEach(() => {
  site = tempSite();
  cpSync(join(repoRoot, 'bulletins', DATE), join(site.root, 'bulletins', DATE), { recursive: true });
  itemFile = join(site.root, 'bulletins', DATE, '03-carers-week.md');
  original = readFileSync(itemFile, 'utf8');
});

afterEach(() => site.remove());

/**
 * The email of the files as they are, from nothing: no tree and no layout from memory. Last in a
 * test, as it empties the trees the session remembered.
 */
async function emailFromNothing(): Promise<string> {
  const remembered = rememberBodiesByText(0);
  const rememberedSplits = rememberSplitsByText(0);
  try {
    const loaded = await loadConfig(site.root);
    const config = { ...loaded.config!, site: { ...loaded.config!.site, baseUrl: SITE_URL } };
    const { rendered } = await prepareFresh(site.root, DATE, config);
    const templates = await loadEmailTemplates(templatesFor(site.root, config, loaded.path));
    const email = await compileEmail(rendered!, config, templates, { memoized: false });
    return email.withPlaceholders().html;
  } finally {
    rememberBodiesByText(remembered);
    rememberSplitsByText(rememberedSplits);
  }
}

async function shownAfterSave(session: PreviewSession, text: string) {
  writeFileSync(itemFile, text);
  const parses = markdownParses();
  const splits = frontMatterSplits();
  const blocks = memoizedBlockCounts();
  await session.rebuild();
  const shown = session.shown!;
  const blocksAfter = memoizedBlockCounts();
  return {
    html: shown.email!.withPlaceholders().html,
    parsed: markdownParses() - parses,
    split: frontMatterSplits() - splits,
    mjmlBlocks: blocksAfter.remembered + blocksAfter.rendered - blocks.remembered - blocks.rendered,
    problems: shown.problems.filter((p) => p.severity === 'error'),
  };
}

test('a title saved: only its front matter is parsed again, no Markdown, no MJML, and the email is a fresh build byte for byte', async () => {
  const session = new PreviewSession({ root: site.root, date: DATE });
  session.siteUrl = SITE_URL;
  await session.rebuild();
  let html = '';
  for (const round of [1, 2]) {
    const title = `Carers Week, round ${round}`;
    const saved = await shownAfterSave(session, original.replace('title: Carers Week', `title: ${title}`));
    expect(saved.problems).toEqual([]);
    expect(saved.html).toContain(`>${title}<`);
    expect(saved.parsed).toBe(0);
    // The saved file's front matter only: the others' is as it was.
    expect(saved.split).toBe(1);
    expect(saved.mjmlBlocks).toBe(0);
    html = saved.html;
  }
  expect(html).toBe(await emailFromNothing());
}, 60_000);

test('a save that changes the structure (a new heading and list in the body) lays the email out again', async () => {
  const session = new PreviewSession({ root: site.root, date: DATE });
  session.siteUrl = SITE_URL;
  await session.rebuild();
  const body = original.replace(
    'Carers Week takes place',
    '## What is on\n\n- a coffee morning\n- a walk\n\nCarers Week takes place',
  );
  const saved = await shownAfterSave(session, body);
  expect(saved.problems).toEqual([]);
  // The saved body only: the other files' Markdown is as it was.
  expect(saved.parsed).toBe(1);
  expect(saved.html).toContain('a coffee morning');
  // And back as it was: the first layout again, not the one just made.
  const restored = await shownAfterSave(session, original);
  expect(restored.parsed).toBe(0);
  expect(restored.html).not.toContain('a coffee morning');
  expect(restored.html).toBe(await emailFromNothing());
  writeFileSync(itemFile, body);
  expect(saved.html).toBe(await emailFromNothing());
}, 60_000);

test("a site's own email template saved: the next build uses it, though the issue did not change", async () => {
  cpSync(join(repoRoot, 'templates'), join(site.root, 'templates'), { recursive: true });
  const session = new PreviewSession({ root: site.root, date: DATE });
  session.siteUrl = SITE_URL;
  await session.rebuild();
  const before = session.shown!.email!.withPlaceholders().html;
  const layout = join(site.root, 'templates', 'email', 'email.mjml.hbs');
  // A style inside mj-head: MJML's output changes, the markers and the content do not.
  writeFileSync(
    layout,
    readFileSync(layout, 'utf8').replace(
      '<mj-head>',
      '<mj-head><mj-style>.p18-marker { color: red; }</mj-style>',
    ),
  );
  await session.rebuild(true);
  const after = session.shown!.email!.withPlaceholders().html;
  expect(before).not.toContain('p18-marker');
  expect(after).toContain('.p18-marker');
  expect(after).toBe(await emailFromNothing());
}, 60_000);

test('the config is read on every save, and parsed again only when its text changed', async () => {
  const session = new PreviewSession({ root: site.root, date: DATE });
  session.siteUrl = SITE_URL;
  await session.rebuild();
  const first = session.shown!.config!;
  writeFileSync(itemFile, original.replace('title: Carers Week', 'title: Carers Week, again'));
  await session.rebuild();
  // The same object: nothing was parsed or checked again.
  expect(session.shown!.config!.lists).toBe(first.lists);
  const configFile = join(site.root, 'bulletin.config.yaml');
  const text = readFileSync(configFile, 'utf8');
  const name = 'name: West Yorkshire and Harrogate Health and Care Partnership';
  expect(text).toContain(name);
  writeFileSync(configFile, text.replace(name, 'name: Bulletin Test Partnership'));
  await session.rebuild();
  expect(session.shown!.config!.site.name).toBe('Bulletin Test Partnership');
  expect(session.shown!.email!.withPlaceholders().html).toContain('Bulletin Test Partnership');
}, 60_000);
