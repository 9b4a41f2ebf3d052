import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { at, problem } from '../diagnostics/problem.js';
import { causeOf, isErrno, MISSING } from '../support/errors.js';
import type { FrontMatterFile } from './front-matter.js';
import { isInside, readFileInside } from './inside-folder.js';
import type { SiteLogo } from './schema.js';
import { placeOfPath } from './yaml-place.js';
import { lazyRequire } from '../support/lazy-require.js';

/** Loaded only for a site with a logo: every command loads the config, few sites have one. */
const imageSizeLibrary = lazyRequire<typeof import('image-size')>('image-size');

const LOGO_TYPES: readonly SiteLogo['type'][] = ['png', 'jpg', 'svg', 'gif', 'webp'];

/** A logo is shown small, in every email's header: a bigger file only costs readers' data. */
const MAX_LOGO_BYTES = 1024 * 1024;

/**
 * `site.logo`, read once when the config is loaded: the file must exist beside the config (inside its
 * folder, links followed, since the archive publishes it), be an image every browser shows, and state its
 * size. A problem points at the value in the config.
 */
export async function readSiteLogo(
  file: FrontMatterFile,
  written: string,
  configPath: string,
): Promise<{ logo: SiteLogo } | { problem: Diagnostic }> {
  const refuse = (reason: string) => ({
    problem: problem('config-invalid', at(file.source, placeOfPath(file, ['site', 'logo'])), {
      case: 'logo',
      path: written,
      reason,
    }),
  });
  const folder = dirname(configPath);
  const path = resolve(folder, written);
  if (!isInside(path, folder)) return refuse('is outside the site folder');
  let bytes: Buffer | undefined;
  try {
    bytes = await readFileInside(path, folder);
  } catch (error) {
    if (isErrno(error, ...MISSING)) return refuse('does not exist');
    if (isErrno(error, 'EISDIR')) return refuse('is a folder, not a file');
    return refuse(`cannot be read (${causeOf(error)})`);
  }
  if (!bytes) return refuse('is a link to a file outside the site folder');
  if (bytes.length > MAX_LOGO_BYTES)
    return refuse(`is ${Math.round(bytes.length / 1024)} KB: a logo is shown small, keep it under 1 MB`);
  const size = measure(bytes);
  const type = LOGO_TYPES.find((t) => t === size?.type);
  if (!size || !type) return refuse('is not a PNG, JPEG, SVG, GIF or WebP image');
  if (!size.width || !size.height)
    return refuse('does not say how big it is (an SVG needs width and height, or a viewBox)');
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 10);
  return { logo: { file: path, type, width: size.width, height: size.height, hash } };
}

function measure(bytes: Buffer): { type?: string; width?: number; height?: number } | undefined {
  try {
    return imageSizeLibrary().imageSize(bytes);
  } catch (error) {
    // image-size throws a plain Error or TypeError for what it cannot parse (cut short, corrupt, unknown).
    if (error instanceof Error) return undefined;
    throw error;
  }
}
