import { closeSync, openSync, readSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { imageSize } from 'image-size';

/** Wide enough for a full-width image on any screen and in a 640px email at 2x. */
export const MAX_IMAGE_WIDTH = 1200;

/**
 * The email's text column: the 640 px layout (`mj-body width`) less the 24 px padding each side of
 * its `mj-text` (templates/email/email.mjml.hbs). Outlook for Windows ignores max-width, so an image
 * is given this width (or less) as an attribute; __tests__/email-images.test.ts measures it.
 */
export const EMAIL_CONTENT_WIDTH = 592;

export interface ImageSize {
  width: number;
  height: number;
}

/** Published size by absolute image URL (the form the rendered HTML's `src` takes). */
export type ImageSizes = ReadonlyMap<string, ImageSize>;

/**
 * The size of the copy the archive publishes (archive/images.ts): turned upright by its EXIF
 * orientation, then at most MAX_IMAGE_WIDTH wide, never enlarged.
 */
export function publishedSize(natural: ImageSize & { orientation?: number }): ImageSize {
  const turned = (natural.orientation ?? 1) >= 5;
  const upright = turned ? { width: natural.height, height: natural.width } : { width: natural.width, height: natural.height };
  return fitWidth(upright, MAX_IMAGE_WIDTH);
}

/** The same proportions at no more than `width` pixels wide. */
export function fitWidth(size: ImageSize, width: number): ImageSize {
  if (size.width <= width) return size;
  return { width, height: Math.max(1, Math.round((size.height * width) / size.width)) };
}

/** Enough of the file for any header image-size reads (a JPEG's EXIF block can be long). */
const HEADER_BYTES = 512 * 1024;

/**
 * The published size of an image beside an issue's files, or undefined when it cannot be read
 * (checks report a missing or broken image; an email without the size still renders).
 */
export function measureLocalImage(issueDir: string, reference: string): ImageSize | undefined {
  const file = resolve(issueDir, decodedPath(reference));
  // The checks refuse references outside the issue folder; this never reads one regardless.
  const inside = relative(resolve(issueDir), file);
  if (inside === '' || inside.startsWith('..')) return undefined;
  let head: Uint8Array;
  try {
    head = readHead(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== undefined) return undefined;
    throw error;
  }
  let size: ReturnType<typeof imageSize>;
  try {
    size = imageSize(head);
  } catch (error) {
    // image-size throws a plain Error or TypeError for what it cannot parse (empty, corrupt, unknown).
    if (error instanceof Error) return undefined;
    throw error;
  }
  if (!size.width || !size.height) return undefined;
  return publishedSize({ width: size.width, height: size.height, orientation: size.orientation });
}

function decodedPath(reference: string): string {
  const path = reference.split(/[?#]/)[0]!;
  try {
    return decodeURI(path);
  } catch (error) {
    if (error instanceof URIError) return path;
    throw error;
  }
}

function readHead(file: string): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(HEADER_BYTES);
    return buffer.subarray(0, readSync(fd, buffer, 0, HEADER_BYTES, 0));
  } finally {
    closeSync(fd);
  }
}
