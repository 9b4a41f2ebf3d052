import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { issueHash } from '../src/approval/approvals.js';
import type { LinkTarget } from '../src/checks/link-targets.js';
import { EmailCache } from '../src/build/email-cache.js';
import { prepareFresh } from '../src/build/prepare.js';
import {
  type CachedIssue,
  cacheEntry,
  fromCacheEntry,
  RenderCache,
  renderCacheKey,
} from '../src/build/render-cache.js';
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

test('a web form equal to the feed form is left out in its place, and put back', async () => {
  const rendered = await sampleIssue();
  // One body whose forms differ, as a body with headings has; one whose forms are the same.
  rendered.items[0]!.body.webHtml = `<div class="moved">${rendered.items[0]!.body.html}</div>`;
  rendered.items[1]!.body.webHtml = rendered.items[1]!.body.html;
  const bodies = bodiesOf(rendered) as RenderedIssue['lead'][];

  const posted = structuredClone(packed(rendered));
  const postedBodies = bodiesOf(posted) as { webHtml?: string }[];
  expect(postedBodies.map((body) => body.webHtml !== undefined)).toEqual(
    bodies.map((body) => body.webHtml !== body.html),
  );
  expect(postedBodies[1]!.webHtml).toBe(rendered.items[0]!.body.webHtml);
  expect(postedBodies[2]!.webHtml).toBeUndefined();
  // Put back in its place: the rendering reads (and hashes, as JSON) as it did.
  expect(JSON.stringify(unpacked(posted))).toBe(JSON.stringify(rendered));
});

test('the render cache writes the rendering packed and reads it whole; a damaged entry is a miss', async () => {
  const rendered = await sampleIssue();
  rendered.items[0]!.body.webHtml = rendered.items[0]!.body.html;
  const cache = new RenderCache(work, 'salt');
  cache.set('2018-05-18', 'k', { rendered, problems: [], links: [] });
  const file = join(work, '.bulletin', 'cache', 'render', '2018-05-18.v8');
  const written = deserialize(readFileSync(file)) as { rendered: RenderedIssue };
  expect(written.rendered.items[0]!.body.webHtml).toBeUndefined();
  expect(JSON.stringify(cache.get('2018-05-18', 'k'))).toBe(
    JSON.stringify({ rendered, problems: [], links: [] }),
  );

  for (const damage of [
    (entry: { rendered: RenderedIssue }) => Object.assign(entry.rendered, { items: 'not a list' }),
    (entry: { rendered: RenderedIssue }) => Object.assign(entry.rendered.items[0]!, { body: 'text' }),
    (entry: { rendered: RenderedIssue }) => Object.assign(entry.rendered.lead, { html: undefined }),
  ]) {
    const entry = deserialize(readFileSync(file)) as { key: string; rendered: RenderedIssue };
    damage(entry);
    writeFileSync(file, serialize(entry));
    expect(cache.get('2018-05-18', 'k')).toBeUndefined();
  }
});

test('an entry a prepare worker makes is the bytes the cache writes, read back whole', async () => {
  const rendered = await sampleIssue();
  const link: LinkTarget = { url: 'https://example.org/', kind: 'link', file: 'lead.md', line: 3, column: 5 };
  const value: CachedIssue = { rendered, problems: [], links: [link] };
  const cache = new RenderCache(work, 'salt');
  const key = renderCacheKey('salt', 'digest');
  expect(key).toBe(cache.keyOf('digest'));
  const entry = cacheEntry(key, value);
  cache.set('2018-05-18', key, value);
  const file = (date: string) => join(work, '.bulletin', 'cache', 'render', `${date}.v8`);
  expect(Buffer.compare(readFileSync(file('2018-05-18')), entry)).toBe(0);
  // Stored as they are (copied: the caller reads the issue from them afterwards), and read back.
  await cache.storeEntry('2018-05-25', entry);
  expect(Buffer.compare(readFileSync(file('2018-05-25')), entry)).toBe(0);
  expect(JSON.stringify(cache.get('2018-05-25', key))).toBe(JSON.stringify(value));
  expect(JSON.stringify(fromCacheEntry(entry))).toBe(JSON.stringify(value));
});

test("an email's entry names the bodies' forms its slots hold, and a hit is the email stored", async () => {
  const rendered = await sampleIssue();
  const email = await compileEmail(rendered, config, await loadEmailTemplates(BUILTIN_TEMPLATES));
  const cache = new EmailCache(work, 'salt');
  const problems = [{ code: 'x' }] as never[];
  await cache.store('2018-05-18', 'k', { layout: email.layout, problems }, rendered);

  const file = join(work, '.bulletin', 'cache', 'email', '2018-05-18.v8');
  const written = deserialize(readFileSync(file)) as {
    layout: typeof email.layout;
    fromRendering: { html: Record<string, string>; text: Record<string, string> };
  };
  const named = [...Object.values(written.fromRendering.html), ...Object.values(written.fromRendering.text)];
  expect(named).toEqual(
    expect.arrayContaining(['lead.emailHtml', 'lead.text', 'items.0.emailHtml', 'items.0.text']),
  );
  // Each named slot is empty in its place, and no body's text or email HTML (of a length worth naming)
  // is among the written ones.
  for (const slot of Object.keys(written.fromRendering.html))
    expect(written.layout.html.slots[slot]).toBe('');
  for (const slot of Object.keys(written.fromRendering.text))
    expect(written.layout.text.slots[slot]).toBe('');
  const writtenValues = new Set([
    ...Object.values(written.layout.html.slots),
    ...Object.values(written.layout.text.slots),
  ]);
  for (const body of bodiesOf(rendered) as RenderedIssue['lead'][])
    for (const form of [body.text, body.emailHtml])
      if (form.length >= 256) expect(writtenValues.has(form)).toBe(false);

  // A hit is the email stored, slot order and all (the approval hash reads the slots as JSON).
  const hit = cache.get('2018-05-18', 'k', rendered);
  expect(hit).toEqual({ layout: email.layout, problems });
  expect(issueHash(hit!.layout)).toBe(issueHash(email.layout));
  expect(JSON.stringify(hit!.layout)).toBe(JSON.stringify(email.layout));
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
