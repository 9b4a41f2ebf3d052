import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { lazyRequire } from '../support/lazy-require.js';
import { decodedOrAsWritten } from '../support/errors.js';

/** Loaded when the first image is measured: most issues have none. */
const imageSizeLibrary = lazyRequire<typeof import('image-size')>('image-size');

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
  // EXIF orientations 5 to 8 are a quarter turn: the picture stands the other way round.
  const { width, height } = natural;
  const upright = (natural.orientation ?? 1) >= 5 ? { width: height, height: width } : { width, height };
  return fitWidth(upright, MAX_IMAGE_WIDTH);
}

/** The same proportions at no more than `width` pixels wide. */
export function fitWidth(size: ImageSize, width: number): ImageSize {
  if (size.width <= width) return size;
  return { width, height: Math.max(1, Math.round((size.height * width) / size.width)) };
}

/** Most images state their size in the first kilobytes; a JPEG with a long EXIF block may not. */
const HEAD_BYTES = 64 * 1024;

/**
 * The published size of an image beside an issue's files, or undefined when it cannot be read
 * (checks report a missing or broken image; an email without the size still renders).
 */
export function measureLocalImage(issueDir: string, reference: string): ImageSize | undefined {
  const file = resolve(issueDir, decodedPath(reference));
  // The checks refuse references outside the issue folder; this never reads one regardless.
  const inside = relative(resolve(issueDir), file);
  if (inside === '' || inside.startsWith('..')) return undefined;
  try {
    const head = readHead(file, HEAD_BYTES);
    return sizeOf(head) ?? (head.length === HEAD_BYTES ? sizeOf(readFileSync(file)) : undefined);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== undefined) return undefined;
    throw error;
  }
}

function sizeOf(bytes: Uint8Array): ImageSize | undefined {
  let size: ReturnType<typeof import('image-size').imageSize>;
  try {
    size = imageSizeLibrary().imageSize(bytes);
  } catch (error) {
    // image-size throws a plain Error or TypeError for what it cannot parse (cut short, corrupt, unknown).
    if (error instanceof Error) return undefined;
    throw error;
  }
  if (!size.width || !size.height) return undefined;
  return publishedSize({ width: size.width, height: size.height, orientation: size.orientation });
}

function decodedPath(reference: string): string {
  return decodedOrAsWritten(reference.split(/[?#]/)[0]!, decodeURI);
}

function readHead(file: string, bytes: number): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    return buffer.subarray(0, readSync(fd, buffer, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
}
