import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load, type CheerioAPI } from 'cheerio';
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import { runPipeline } from '../src/build/pipeline.js';
import { browserAvailable, launchBrowser } from './helpers/browser.js';
import { tempSite } from './helpers/site.js';

/**
 * Outlook for Windows ignores max-width: an image without a width attribute is drawn at its own
 * size (the published copy is up to 1200 px) and breaks the 640 px layout. So every content image
 * carries width and height, scaled to the column it sits in.
 */
const DATE = '2018-05-11';
const BASE = `https://bulletin.wyhpartnership.example/issues/${DATE}/`;
const site = tempSite();
let email: CheerioAPI;
let emailHtml: string;
let page: CheerioAPI;

const jpeg = (width: number, height: number, orientation?: number) => {
  const image = sharp({ create: { width, height, channels: 3, background: '#336699' } }).jpeg();
  return (orientation ? image.withMetadata({ orientation }) : image).toBuffer();
};

beforeAll(async () => {
  const folder = join(site.root, 'bulletins', DATE);
  site.write(
    DATE,
    'issue.md',
    `---\ntitle: Images\ndate: ${DATE}\nsummary: A week with pictures.\n---\nLead.\n\n![Board meeting](board.jpg)\n`,
  );
  site.write(
    DATE,
    '01-pictures.md',
    [
      '---\nkind: news\ntitle: Pictures\n---',
      '* In a list: ![A chart in a list](chart.png)',
      '![A small logo](logo.png)',
      '![A photo taken sideways](sideways.jpg)',
      '![A photo with a long header](long-header.jpg)',
      '',
    ].join('\n\n'),
  );
  writeFileSync(join(folder, 'board.jpg'), await jpeg(1200, 800));
  writeFileSync(
    join(folder, 'chart.png'),
    await sharp({ create: { width: 2400, height: 1200, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer(),
  );
  writeFileSync(
    join(folder, 'logo.png'),
    await sharp({ create: { width: 300, height: 200, channels: 3, background: '#005eb8' } })
      .png()
      .toBuffer(),
  );
  // Stored 1600x1200 with EXIF orientation 6 (turned a quarter): published upright, 1200x1600.
  writeFileSync(join(folder, 'sideways.jpg'), await jpeg(1600, 1200, 6));
  // 120 KB of application segments before the frame header, as a camera's EXIF thumbnail can be.
  const plain = await jpeg(1000, 500);
  const segment = Buffer.concat([Buffer.from([0xff, 0xef, 0xff, 0xff]), Buffer.alloc(0xfffd, 0x20)]);
  writeFileSync(
    join(folder, 'long-header.jpg'),
    Buffer.concat([plain.subarray(0, 2), segment, segment, plain.subarray(2)]),
  );
  const report = await runPipeline({
    root: site.root,
    dates: [DATE],
    write: true,
    site: true,
    keepEmails: true,
  });
  expect(report.issues[0]!.problems.filter((p) => p.severity === 'error')).toEqual([]);
  emailHtml = report.issues[0]!.email!.fill({
    email: 'jane@example.org',
    unsubscribeUrl: 'https://bulletin.wyhpartnership.example/u/1',
  }).html;
  email = load(emailHtml);
  page = load(readFileSync(join(site.root, 'dist', 'site', 'issues', DATE, 'index.html'), 'utf8'));
}, 60_000);
afterAll(() => site.remove());

const sizeOf = ($: CheerioAPI, name: string) => {
  const img = $(`img[src="${BASE}${name}"]`);
  expect(img.length).toBe(1);
  return { width: img.attr('width'), height: img.attr('height'), style: img.attr('style') ?? '' };
};

test('an email image is as wide as the 592 px text column, its height in proportion, and a block', () => {
  // 640 px layout less the text's 24 px padding each side.
  expect(sizeOf(email, 'board.jpg')).toMatchObject({ width: '592', height: '395' });
  const { style } = sizeOf(email, 'board.jpg');
  expect(style).toMatch(/display:block/);
  expect(style).toMatch(/height:auto/);
  expect(style).toMatch(/max-width:100%/);
});

test('an image in a list fits the list’s narrower column; a small one is never enlarged; EXIF rotation counts', () => {
  // The list's 22 px indent.
  expect(sizeOf(email, 'chart.png')).toMatchObject({ width: '570', height: '285' });
  expect(sizeOf(email, 'logo.png')).toMatchObject({ width: '300', height: '200' });
  // Published upright at 1200x1600.
  expect(sizeOf(email, 'sideways.jpg')).toMatchObject({ width: '592', height: '789' });
  expect(sizeOf(email, 'long-header.jpg')).toMatchObject({ width: '592', height: '296' });
});

test('the archive page gives each image the published copy’s real size', async () => {
  for (const name of ['board.jpg', 'chart.png', 'logo.png', 'sideways.jpg', 'long-header.jpg']) {
    const published = await sharp(
      readFileSync(join(site.root, 'dist', 'site', 'issues', DATE, name)),
    ).metadata();
    expect([name, sizeOf(page, name)]).toEqual([
      name,
      expect.objectContaining({ width: String(published.width), height: String(published.height) }),
    ]);
  }
});

const run = browserAvailable() ? describe : describe.skip;

run('in Chromium at 640 px', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => browser?.close());

  test.each([
    ['as most mail apps draw it', false],
    ['as Outlook for Windows draws it, ignoring max-width', true],
  ])('no image overflows its column, %s', async (_, ignoreMaxWidth) => {
    const tab = await browser.newPage({ viewport: { width: 640, height: 900 } });
    // The published images, served from the built site; nothing else is fetched.
    await tab.route('**/*', (route) => {
      const url = route.request().url();
      if (!url.startsWith(BASE)) return route.abort();
      return route.fulfill({
        body: readFileSync(join(site.root, 'dist', 'site', 'issues', DATE, url.slice(BASE.length))),
      });
    });
    const html = ignoreMaxWidth ? emailHtml.replace(/max-width:\s*100%\s*;?/g, '') : emailHtml;
    if (ignoreMaxWidth) expect(html).not.toMatch(/img[^>]+max-width/);
    await tab.setContent(html, { waitUntil: 'load' });
    const layout = await tab.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      images: [...document.querySelectorAll('img')].map((img) => {
        const box = img.getBoundingClientRect();
        // The column is the list item it sits in, or the text block inside MJML's padded cell.
        const column = (img.closest('li') ?? img.closest('td > div'))!.getBoundingClientRect();
        return {
          src: img.src.split('/').pop(),
          loaded: img.naturalWidth > 0,
          width: box.width,
          overflow: box.right - column.right,
        };
      }),
    }));
    await tab.close();
    expect(layout.scrollWidth).toBeLessThanOrEqual(640);
    expect(layout.images.length).toBe(5);
    for (const image of layout.images)
      expect(image).toMatchObject({ loaded: true, overflow: expect.any(Number) });
    expect(layout.images.filter((image) => image.overflow > 0.5)).toEqual([]);
    expect(Math.round(layout.images.find((image) => image.src === 'board.jpg')!.width)).toBe(592);
  });
});
