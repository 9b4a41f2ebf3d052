import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { axeViolations, browserAvailable, launchBrowser } from './helpers/browser.js';
import { bulletin, type CheckReport, repoRoot } from './helpers/cli.js';
import { tempSite } from './helpers/site.js';

const SEED = '2018-05-11';
const SITE_NAME = 'West Yorkshire and Harrogate Health and Care Partnership';

/** A copy of the sample site with `logo:` under `site:` and the seed week; returns the site's root. */
function siteWithLogo(logo: string) {
  const site = tempSite();
  const configPath = join(site.root, 'bulletin.config.yaml');
  const config = readFileSync(configPath, 'utf8');
  writeFileSync(configPath, config.replace(/^site:\n/m, `site:\n  logo: ${logo}\n`));
  copySeedWeek(site.write);
  return { site, configPath };
}

function copySeedWeek(write: (date: string, name: string, text: string) => void) {
  const dir = join(repoRoot, 'bulletins', SEED);
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.md')) write(SEED, name, readFileSync(join(dir, name), 'utf8'));
  }
}

/** The line and column of `logo:`'s value in the config as written. */
function placeOfLogo(configPath: string): { line: number; column: number } {
  const lines = readFileSync(configPath, 'utf8').split('\n');
  const line = lines.findIndex((l) => l.startsWith('  logo: '));
  return { line: line + 1, column: '  logo: '.length + 1 };
}

describe('site.logo', () => {
  test('a logo file that does not exist is a config error at its line:column, with a fix', () => {
    const { site, configPath } = siteWithLogo('brand/logo.png');
    try {
      const result = bulletin(['check', '--json'], site.root);
      expect(result.status).toBe(1);
      const report = JSON.parse(result.stdout) as CheckReport;
      expect(report.config).toEqual([
        expect.objectContaining({
          file: 'bulletin.config.yaml',
          ...placeOfLogo(configPath),
          code: 'config-invalid',
          severity: 'error',
          message: expect.stringMatching(/^The logo "brand\/logo\.png" does not exist/),
          hint: expect.stringContaining('beside the config'),
        }),
      ]);
    } finally {
      site.remove();
    }
  });

  test('a logo that is not a PNG, JPEG, SVG, GIF or WebP image is refused', () => {
    const { site, configPath } = siteWithLogo('logo.pdf');
    try {
      writeFileSync(join(site.root, 'logo.pdf'), '%PDF-1.4\n%not an image\n');
      const result = bulletin(['check', '--json'], site.root);
      expect(result.status).toBe(1);
      const report = JSON.parse(result.stdout) as CheckReport;
      expect(report.config).toEqual([
        expect.objectContaining({
          ...placeOfLogo(configPath),
          code: 'config-invalid',
          message: expect.stringContaining('is not a PNG, JPEG, SVG, GIF or WebP image'),
        }),
      ]);
    } finally {
      site.remove();
    }
  });

  test('a logo outside the site folder is refused (nothing outside is published)', () => {
    const { site } = siteWithLogo('../../etc/hostname');
    try {
      const report = JSON.parse(bulletin(['check', '--json'], site.root).stdout) as CheckReport;
      expect(report.config.map((p) => p.message)).toEqual([
        expect.stringContaining('outside the site folder'),
      ]);
    } finally {
      site.remove();
    }
  });

  test('build publishes the logo with its size, in the archive header and the email header', async () => {
    const { site } = siteWithLogo('brand/logo.png');
    try {
      const png = await sharp({
        create: { width: 360, height: 120, channels: 3, background: { r: 0, g: 94, b: 184 } },
      })
        .png()
        .toBuffer();
      mkdirSync(join(site.root, 'brand'), { recursive: true });
      writeFileSync(join(site.root, 'brand', 'logo.png'), png);
      const result = bulletin(['build', SEED], site.root);
      expect(result.stderr).not.toMatch(/ {2}error {2}/);
      expect(result.status).toBe(0);
      const siteDir = join(site.root, 'dist', 'site');
      const assets = readdirSync(join(siteDir, 'assets'));
      const published = assets.find((name) => /^logo-[0-9a-f]{10}\.png$/.test(name));
      expect(published).toBeDefined();
      // The archive publishes the file as it is (its bytes, so its size, unchanged).
      expect(readFileSync(join(siteDir, 'assets', published!)).equals(png)).toBe(true);

      const page = readFileSync(join(siteDir, 'issues', SEED, 'index.html'), 'utf8');
      const header = page.slice(page.indexOf('<header class="masthead">'), page.indexOf('</header>'));
      expect(header).toContain(
        `<img class="logo" src="../../assets/${published}" width="360" height="120" alt="${SITE_NAME}">`,
      );

      const email = readFileSync(join(site.root, 'dist', 'email', SEED, 'email.html'), 'utf8');
      const img = email.match(/<img[^>]*alt="West Yorkshire[^"]*"[^>]*>/)?.[0];
      expect(img).toBeDefined();
      // Email clients (Gmail, Outlook) do not show every format: the email gets a PNG made for it, at
      // twice its display size for sharp screens, named by the same content hash.
      const src = img!.match(/src="([^"]+)"/)![1]!;
      expect(src).toMatch(
        /^https:\/\/bulletin\.wyhpartnership\.example\/assets\/logo-[0-9a-f]{10}-email\.png$/,
      );
      expect(img).toMatch(/width="180"/);
      expect(img).toMatch(/height="60"/);
      const emailPng = readFileSync(join(siteDir, 'assets', src.split('/').pop()!));
      await expect(sharp(emailPng).metadata()).resolves.toMatchObject({
        format: 'png',
        width: 360,
        height: 120,
      });

      // In Chromium: the header's logo loads from where it was published, and the page stays axe-clean.
      if (!browserAvailable()) return;
      const browser = await launchBrowser();
      try {
        const page = await browser.newPage({ viewport: { width: 375, height: 800 } });
        await page.goto(pathToFileURL(join(siteDir, 'issues', SEED, 'index.html')).href, {
          waitUntil: 'load',
        });
        const shown = await page.locator('header img.logo').evaluate((img) => ({
          loaded: (img as HTMLImageElement).naturalWidth,
          alt: img.getAttribute('alt'),
          text: img.closest('a')?.textContent,
        }));
        expect(shown).toEqual({ loaded: 360, alt: SITE_NAME, text: '' });
        await expect(page.getByRole('link', { name: SITE_NAME, exact: true }).count()).resolves.toBe(1);
        expect(await axeViolations(page)).toEqual([]);
      } finally {
        await browser.close();
      }
    } finally {
      site.remove();
    }
  }, 120_000);
});
