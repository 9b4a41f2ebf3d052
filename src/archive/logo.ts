import { dirname } from 'node:path';
import type { Config } from '../content/model.js';
import type { SiteLogo } from '../content/schema.js';
import { readFileInside } from '../content/inside-folder.js';
import { emailLogoSize, logoPaths } from '../render/logo.js';
import type { SiteFiles } from './model.js';

/**
 * The site's logo (config `site.logo`), published twice: as written, for the archive's pages, and as a
 * PNG at twice its size in the email, for the email's header (sharp screens; see render/logo.ts).
 */
export async function logoFiles(config: Config): Promise<SiteFiles> {
  const logo = config.siteLogo;
  if (!logo) return new Map();
  // The preview builds on every save: the same logo (by content hash) is made once per process.
  const key = `${logo.file}\0${logo.hash}`;
  let made = published.get(key);
  if (!made) {
    made = publish(logo);
    published.set(key, made);
    made.catch(() => published.delete(key));
  }
  return new Map(await made);
}

const published = new Map<string, Promise<SiteFiles>>();

async function publish(logo: SiteLogo): Promise<SiteFiles> {
  const files: SiteFiles = new Map();
  const paths = logoPaths(logo);
  let original: Buffer | undefined;
  try {
    original = await readFileInside(logo.file, dirname(logo.file));
  } catch (error) {
    throw new Error(`cannot publish the logo ${logo.file}: ${(error as Error).message}`, { cause: error });
  }
  if (!original) throw new Error(`cannot publish the logo ${logo.file}: it is no longer a plain file`);
  const { default: sharp } = await import('sharp');
  const shown = emailLogoSize(logo);
  const email = await sharp(original, { density: 300 })
    .resize({ width: shown.width * 2, height: shown.height * 2, fit: 'inside', withoutEnlargement: true })
    .png()
    .toBuffer();
  files.set(paths.page, new Uint8Array(original));
  files.set(paths.email, new Uint8Array(email));
  return files;
}

/** The logo as the archive's header shows it, from a page at `root`; null without one. */
export function pageLogo(config: Config, root: string) {
  const logo = config.siteLogo;
  if (!logo) return null;
  return { src: `${root}${logoPaths(logo).page}`, width: logo.width, height: logo.height };
}
