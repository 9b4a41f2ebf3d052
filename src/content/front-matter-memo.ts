import type { SourceText } from '../diagnostics/source-text.js';
import { splitFrontMatter, type SplitResult } from './front-matter.js';

/**
 * Split files by what they were split from (the path as shown, and the text), most recent last, for
 * a process that reads the same files again and again: the preview loads every file of the issue on
 * each save, and only the saved one has new front matter to parse. Off unless asked for: a build or a
 * check reads each file once. Nothing changes a split file (validation makes new values), so one
 * serves every read of the same text; its tree is then found by `parseBodyOf` too.
 */
const splitsByText = new Map<string, SplitResult>();
let limit = 0;
let splits = 0;

/** Keeps the last `count` distinct files (0: none); returns the count it replaces. */
export function rememberSplitsByText(count: number): number {
  const previous = limit;
  limit = count;
  if (count === 0) splitsByText.clear();
  return previous;
}

/** How many files' front matter was split and parsed since the process started. */
export function frontMatterSplits(): number {
  return splits;
}

/** Splits a file's front matter (front-matter.ts), or finds it split already when remembering. */
export function splitFrontMatterOf(source: SourceText): SplitResult {
  if (limit === 0) return splitAfresh(source);
  const key = `${source.path}\0${source.text}`;
  const known = splitsByText.get(key);
  // Moved to the end, so the oldest is first to go.
  if (known) splitsByText.delete(key);
  const split = known ?? splitAfresh(source);
  splitsByText.set(key, split);
  while (splitsByText.size > limit) splitsByText.delete(splitsByText.keys().next().value!);
  return split;
}

function splitAfresh(source: SourceText): SplitResult {
  splits++;
  return splitFrontMatter(source);
}
