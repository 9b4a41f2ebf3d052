import { lazyRequire } from '../support/lazy-require.js';

/** Loaded when a frame is first drawn: most runs draw none. */
const codeFrame = lazyRequire<typeof import('@babel/code-frame')>('@babel/code-frame');

export interface Place {
  line: number;
  column: number;
}

/** A decoded file with an index of line starts, so offsets convert to line:column cheaply. */
export interface SourceText {
  path: string;
  text: string;
  lineStarts: number[];
}

export function sourceText(path: string, text: string): SourceText {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  return { path, text, lineStarts };
}

/** 0-based offset -> 1-based line and column. */
export function placeAt(source: SourceText, offset: number): Place {
  const starts = source.lineStarts;
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) low = mid;
    else high = mid - 1;
  }
  return { line: low + 1, column: offset - (starts[low] ?? 0) + 1 };
}

const LINES_ABOVE = 1;
const LINES_BELOW = 1;
/** Line breaks @babel/code-frame splits on besides `\n`, which `lineStarts` does not know. */
const OTHER_BREAKS = /[\r\u2028\u2029]/;

/** The lines a code frame shows, cut from their file: cheap to keep and to send to another thread. */
export interface FrameWindow {
  /** The lines around the place (or, see `frameWindowAt`, the whole text). */
  lines: string;
  /** The 1-based line number of the first of `lines`. */
  first: number;
  place: Place;
}

const withOtherBreaks = new WeakMap<SourceText, boolean>();

/**
 * The place's line with one line either side. A text with a line break `lineStarts` does not know (which
 * code-frame would split on) is kept whole, so code-frame numbers its lines as it always has.
 */
export function frameWindowAt(source: SourceText, place: Place): FrameWindow {
  const { text, lineStarts } = source;
  let otherBreaks = withOtherBreaks.get(source);
  if (otherBreaks === undefined) {
    otherBreaks = OTHER_BREAKS.test(text);
    withOtherBreaks.set(source, otherBreaks);
  }
  if (otherBreaks) return { lines: text, first: 1, place };
  const first = Math.max(1, place.line - LINES_ABOVE);
  const from = lineStarts[first - 1] ?? text.length;
  const to = lineStarts[place.line + LINES_BELOW] ?? text.length;
  return { lines: text.slice(from, to), first, place };
}

/**
 * The numbered frame of a window. code-frame splits the text it is given into lines and prints only
 * those around the place, so it is given the window after as many empty lines as come before it:
 * the same frame, without splitting the whole file for each link of it.
 */
export function codeFrameOf({ lines, first, place }: FrameWindow): string {
  const options = { linesAbove: LINES_ABOVE, linesBelow: LINES_BELOW, highlightCode: false };
  return codeFrame().codeFrameColumns(`${'\n'.repeat(first - 1)}${lines}`, { start: place }, options);
}

/** The place's line with one line either side, numbered. */
export function codeFrameAt(source: SourceText, place: Place): string {
  return codeFrameOf(frameWindowAt(source, place));
}
