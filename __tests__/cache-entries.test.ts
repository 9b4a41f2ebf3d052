import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserialize } from 'node:v8';
import { EmailCache } from '../src/build/email-cache.js';
import { prepareFresh } from '../src/build/prepare.js';
import { RenderCache } from '../src/build/render-cache.js';
import { loadConfig } from '../src/content/config.js';
import type { Config } from '../src/content/model.js';
import { compileEmail } from '../src/render/email/compile.js';
import { BUILTIN_TEMPLATES, loadEmailTemplates } from '../src/render/email/templates.js';
import { packed, type RenderedIssue, unpacked } from '../src/render/rendered-issue.js';
import { repoRoot } from './helpers/cli.js';

/**
 * What the caches write holds each text once: a body's web form is left out where it is its feed
 * form (rendered-issue.ts, `packed`), and an email's slots that hold a body's form name it rather than
 * repeat it (email-cache.ts). Read back, each entry is what was stored.
 */
let config: Config;
let work: string;

beforeAll(async () => {
  config = (await loadConfig(repoRoot)).config!;
});
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'bulletin-cache-entries-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

async function sampleIssue(): Promise<RenderedIssue> {
  const { rendered } = await prepareFresh(repoRoot, '2018-05-18', config);
  if (!rendered) throw new Error('the sample issue did not render');
  return rendered;
}

const bodiesOf = (rendered: { lead: object; items: { body: object }[] }) => [
  rendered.lead,
  ...rendered.items.map(({ body }) => body),
];

test('a web form equal to the feed form is left out, and put back as the same string', async () => {
  const rendered = await sampleIssue();
  // One body whose forms differ, as a body with headings has.
  rendered.items[0]!.body.webHtml = `<div class="moved">${rendered.items[0]!.body.html}</div>`;
  const bodies = bodiesOf(rendered) as RenderedIssue['lead'][];
  expect(bodies.filter((body) => body.webHtml === body.html).length).toBeGreaterThan(3);

  const posted = structuredClone(packed(rendered));
  const postedBodies = bodiesOf(posted) as { webHtml?: string }[];
  expect(postedBodies.map((body) => 'webHtml' in body)).toEqual(
    bodies.map((body) => body.webHtml !== body.html),
  );
  const back = unpacked(posted);
  expect(back).toEqual(rendered);
  for (const body of bodiesOf(back) as RenderedIssue['lead'][])
    if (body.webHtml === body.html) expect(Object.is(body.webHtml, body.html)).toBe(true);
});

test('the render cache writes the rendering packed and reads it whole', async () => {
  const rendered = await sampleIssue();
  const cache = new RenderCache(work, 'salt');
  cache.set('2018-05-18', 'k', { rendered, problems: [], links: [] });
  const file = join(work, '.bulletin', 'cache', 'render', '2018-05-18.v8');
  const written = deserialize(readFileSync(file)) as { rendered: RenderedIssue };
  expect(bodiesOf(written.rendered).some((body) => 'webHtml' in body)).toBe(false);
  expect(cache.get('2018-05-18', 'k')).toEqual({ rendered, problems: [], links: [] });
});

test("an email's entry names the bodies' forms its slots hold, and a hit is the email stored", async () => {
  const rendered = await sampleIssue();
  const email = await compileEmail(rendered, config, await loadEmailTemplates(BUILTIN_TEMPLATES));
  const cache = new EmailCache(work, 'salt');
  const problems = [{ code: 'x' }] as never[];
  await cache.store('2018-05-18', 'k', { layout: email.layout, problems }, rendered);

  const file = join(work, '.bulletin', 'cache', 'email', '2018-05-18.v8');
  const bytes = readFileSync(file);
  const written = deserialize(bytes) as {
    layout: typeof email.layout;
    fromRendering: { html: Record<string, string>; text: Record<string, string> };
  };
  const named = [...Object.values(written.fromRendering.html), ...Object.values(written.fromRendering.text)];
  expect(named).toEqual(
    expect.arrayContaining(['lead.emailHtml', 'lead.text', 'items.0.emailHtml', 'items.0.text']),
  );
  for (const slot of Object.keys(written.fromRendering.html))
    expect(written.layout.html.slots[slot]).toBeUndefined();
  // No body's text is written out: each is named instead.
  for (const body of bodiesOf(rendered) as RenderedIssue['lead'][])
    if (body.text.length >= 256) expect(bytes.includes(Buffer.from(body.text))).toBe(false);

  expect(cache.get('2018-05-18', 'k', rendered)).toEqual({ layout: email.layout, problems });
});

test('an entry naming a body the rendering lacks is a miss', async () => {
  const rendered = await sampleIssue();
  const email = await compileEmail(rendered, config, await loadEmailTemplates(BUILTIN_TEMPLATES));
  const cache = new EmailCache(work, 'salt');
  cache.set('2018-05-18', 'k', { layout: email.layout, problems: [] }, rendered);
  const fewer = { ...rendered, items: rendered.items.slice(0, 1) };
  expect(cache.get('2018-05-18', 'k', fewer)).toBeUndefined();
  expect(cache.get('2018-05-18', 'k', rendered)).toBeDefined();
});
