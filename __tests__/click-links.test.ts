import { trackClicks } from '../src/analytics/click-links.js';
import { clickSignature, clickSignatureValid, linkIdFor } from '../src/analytics/click-signature.js';
import type { ClickStore } from '../src/analytics/click-store.js';
import { BurstDetector } from '../src/analytics/scanner-bursts.js';
import { isScannerAgent } from '../src/analytics/scanner-agents.js';
import { layoutForSend } from '../src/analytics/track-send.js';
import { loadConfig } from '../src/content/config.js';
import type { Config } from '../src/content/model.js';
import { hydrateEmail, type EmailLayout } from '../src/render/email/compile.js';
import { repoRoot } from './helpers/cli.js';
import { buildInMemory } from './helpers/site.js';

const DATE = '2018-05-11';
const ITEM_ANCHORS = [
  'item-communication-and-engagement-network',
  'item-carers',
  'item-maternity',
  'item-stroke-programme',
  'item-organisational-development',
  'item-local-health-and-care-record-exemplar',
  'next-week',
];
/** The file each of ITEM_ANCHORS was written in. */
const CONTENTS_FILES = [
  '01-communication-network.md',
  '02-carers.md',
  '04-maternity.md',
  '05-stroke-programme.md',
  '03-organisational-development.md',
  '06-local-health-and-care-record-exemplar.md',
  'meetings.md',
];
const BASE = 'https://bulletin.wyhpartnership.example/';
let layout: EmailLayout;
let sources: { url: string; file: string }[];
let config: Config;

beforeAll(async () => {
  const built = await buildInMemory(repoRoot, DATE);
  layout = built.email!.layout;
  sources = built.links ?? [];
  config = (await loadConfig(repoRoot)).config!;
});

const recipient = {
  email: 'ann@example.org',
  name: 'Ann',
  unsubscribeUrl: 'https://bulletin.wyhpartnership.example/unsubscribe?token=UNSUB',
  preferencesUrl: 'https://bulletin.wyhpartnership.example/preferences?token=PREFS',
};

test('every web link of both parts goes through /r/; per-recipient links, mailto and images stay as they were', () => {
  const { layout: tracked, links } = trackClicks(layout, { base: BASE, secret: 's', sources });
  const before = hydrateEmail(layout).fill(recipient);
  const after = hydrateEmail(tracked).fill(recipient);
  const page = 'https://bulletin.wyhpartnership.example/issues/2018-05-11/';
  // The contents list's entries count toward the item each leads to: the lead's is issue.md.
  const contents = [
    ['', 'issue.md'],
    ...ITEM_ANCHORS.map((anchor, i) => [`#${anchor}`, CONTENTS_FILES[i]]),
  ].map(([hash, file]) => [`${page}${hash}`, file]);
  expect(links.map((l) => [l.target, l.item])).toEqual([
    // The contents list, to the items on the archive page.
    ...contents,
    ['https://www.wyhpartnership.example/carers/carers-organisations-event-report', '02-carers.md'],
    ['https://www.wyhpartnership.example/carers/latest-update', '02-carers.md'],
    ['https://www.kingsfund.org.uk/publications/housing-and-health-opportunities-stps', 'issue.md'],
  ]);
  for (const link of links) {
    expect(before.html).toContain(link.target);
    const address = `${BASE}r/${DATE}/${link.id}?s=${clickSignature('s', DATE, link.id, link.target)}`;
    expect(after.html).toContain(`href="${address}"`);
    // The issue page is also the per-recipient "view in your browser" link, which stays as it was;
    // the text part's contents list names the items without links.
    if (link.target === page) continue;
    expect(after.html).not.toContain(`"${link.target}"`);
    expect(after.text).not.toContain(link.target);
    // The text part names the contents entries without links; every other link is in it too.
    if (!link.target.startsWith(page)) expect(after.text).toContain(address);
  }
  for (const kept of ['UNSUB', 'PREFS', 'mailto:'])
    expect([kept, after.html.split(kept).length]).toEqual([kept, before.html.split(kept).length]);
  const images = (html: string) => [...html.matchAll(/<img[^>]*src="([^"]*)"/g)].map((m) => m[1]);
  expect(images(after.html)).toEqual(images(before.html));
  // Only links changed: with each /r/ address put back to its target, the email is what it was.
  let restored = after.html;
  for (const link of links)
    restored = restored.replaceAll(
      `${BASE}r/${DATE}/${link.id}?s=${clickSignature('s', DATE, link.id, link.target)}`,
      link.target,
    );
  expect(restored).toBe(before.html);
});

test('a link id and signature depend on issue, id and target alone; any change breaks the signature', () => {
  const target = 'https://example.org/page?a=1&b=2';
  const id = linkIdFor(target);
  expect(id).toMatch(/^[0-9a-f]{10}$/);
  expect(linkIdFor(target)).toBe(id);
  const signature = clickSignature('key', DATE, id, target);
  expect(clickSignatureValid(['key'], DATE, id, target, signature)).toBe(true);
  // A rotated key: links signed with the previous one still work.
  expect(clickSignatureValid(['new-key', 'key'], DATE, id, target, signature)).toBe(true);
  expect(clickSignatureValid(['other'], DATE, id, target, signature)).toBe(false);
  expect(clickSignatureValid(['key'], '2018-05-18', id, target, signature)).toBe(false);
  expect(clickSignatureValid(['key'], DATE, linkIdFor('https://evil.example/'), target, signature)).toBe(
    false,
  );
  expect(clickSignatureValid(['key'], DATE, id, 'https://evil.example/', signature)).toBe(false);
  expect(clickSignatureValid(['key'], DATE, id, target, `${signature}A`)).toBe(false);
  expect(clickSignatureValid(['key'], DATE, id, target, '')).toBe(false);
});

test('with analytics.clicks off (the default) a send fills the layout as built and writes no link table', async () => {
  expect(config.analytics.clicks).toBe(false);
  const untouched: ClickStore = new Proxy({} as ClickStore, {
    get: () => {
      throw new Error('the click store was used');
    },
  });
  expect(await layoutForSend(layout, { config, secret: 's', sources, clicks: untouched })).toBe(layout);
});

test('the burst rule: more than half of an issue’s links, and at least three, from one client within ten seconds', () => {
  const bursts = new BurstDetector();
  const at = 1_000_000;
  const click = (client: string, link: string, ms: number, linksInIssue = 5) =>
    bursts.see(client, 'Mozilla/5.0', { issue: DATE, link, linksInIssue, at: at + ms });
  // A reader following two links: a reader's clicks.
  const first = click('10.0.0.1', 'a', 0);
  first.counted(1);
  const second = click('10.0.0.1', 'b', 2000);
  second.counted(2);
  expect([first.scanner, second.scanner]).toEqual([false, false]);
  // A double tap on the same link: seen, not counted again.
  expect(click('10.0.0.1', 'b', 2500)).toMatchObject({ scanner: false, repeat: true });
  expect(second.repeat).toBe(false);
  // Its third distinct link within ten seconds (3 of 5): a burst; its earlier two relabelled.
  const third = click('10.0.0.1', 'c', 4000);
  expect(third).toMatchObject({ scanner: true, relabel: [1, 2] });
  // And it stays a scanner while it keeps going; relabelled once only.
  expect(click('10.0.0.1', 'a', 9000)).toMatchObject({ scanner: true, relabel: [] });
  // Ten seconds after its last click it is forgotten: a reader again.
  expect(click('10.0.0.1', 'd', 25_000).scanner).toBe(false);
  // Another reader following three links half a minute apart: a reader throughout.
  for (const [i, link] of ['a', 'b', 'c'].entries())
    expect(click('10.0.0.2', link, 30_000 + i * 30_000).scanner).toBe(false);
  // An issue of 20 links needs 11 of them.
  for (let i = 0; i < 10; i++) expect(click('10.0.0.3', `l${i}`, 200_000 + i * 100, 20).scanner).toBe(false);
  expect(click('10.0.0.3', 'l10', 201_100, 20).scanner).toBe(true);
});

test('known scanners’ user agents, programs and an empty agent are scanners; phones’ browsers are not', () => {
  for (const agent of [
    '',
    'Mozilla/5.0 (compatible; Barracuda Sentinel (EE))',
    'Proofpoint URL Defense',
    'Mimecast URL Protect',
    'Microsoft-URLAnalyzer/1.0',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0',
    'python-requests/2.31',
    'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
  ])
    expect([agent, isScannerAgent(agent)]).toEqual([agent, true]);
  for (const agent of [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Version/17.4 Mobile/15E148 Safari/604.1',
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/124.0 Mobile Safari/537.36',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
  ])
    expect([agent, isScannerAgent(agent)]).toEqual([agent, false]);
});
