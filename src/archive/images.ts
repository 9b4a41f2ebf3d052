import { relative, resolve, sep } from 'node:path';
import { isInside, readFileInside } from '../content/inside-folder.js';
import { MAX_IMAGE_WIDTH } from '../render/image-sizes.js';
import type { Archive, SiteFiles } from './model.js';
import { decodedOrAsWritten } from '../support/errors.js';

/**
 * Copies every image an issue's Markdown references from beside its files into
 * `issues/DATE/`, resized to at most 1200 px wide; the originals are only read. The email already
 * points at these archive addresses (relative URLs resolve against the issue's page), and every
 * rendered <img> already carries this copy's size (render/image-sizes.ts, publishedSize).
 */
export async function imageFiles(archive: Archive, only?: ReadonlySet<string>): Promise<SiteFiles> {
  const files: SiteFiles = new Map();
  const { default: sharp } = await import('sharp');
  for (const issue of archive.issues) {
    if (only && !only.has(issue.date)) continue;
    const bodies = [issue.rendered.lead, ...issue.rendered.items.map((i) => i.body)];
    const dir = issue.rendered.issue.dir;
    const wanted = new Set<string>();
    for (const body of bodies) {
      for (const url of body.images) {
        wanted.add(decodedOrAsWritten(url.split(/[?#]/)[0]!, decodeURI));
      }
    }
    for (const reference of wanted) {
      const source = resolve(dir, reference);
      // Checks refuse references outside the issue folder (links followed); this keeps the build safe
      // regardless.
      if (!isInside(source, dir)) continue;
      const inside = relative(resolve(dir), source);
      let resized: Buffer;
      try {
        const original = await readFileInside(source, dir);
        if (!original) continue;
        resized = await sharp(original)
          .rotate()
          .resize({ width: MAX_IMAGE_WIDTH, withoutEnlargement: true })
          .toBuffer();
      } catch (error) {
        throw new Error(
          `cannot publish the image ${relative(process.cwd(), source)}: ${(error as Error).message}`,
          { cause: error },
        );
      }
      files.set(`issues/${issue.date}/${inside.split(sep).join('/')}`, new Uint8Array(resized));
    }
  }
  return files;
}
