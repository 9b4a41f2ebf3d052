import type { FrontMatterFile } from '../content/front-matter.js';

/** Body offsets from remark -> offsets in the whole file. */
export function bodyOffset(file: FrontMatterFile, offsetInBody: number): number {
  return (file.source.lineStarts[file.bodyLine - 1] ?? 0) + offsetInBody;
}
