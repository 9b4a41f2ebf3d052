import { codeFrameColumns } from '@babel/code-frame';

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

/**
 * The place's line with one line either side, numbered. code-frame splits the text it is given into
 * lines and prints only those around the place, so it is given those, after as many empty lines as
 * come before them: the same frame, without splitting the whole file for each link of it (a fifth of
 * a second in a `check --all` of 520 issues).
 */
export function codeFrameAt(source: SourceText, place: Place): string {
  const options = { linesAbove: LINES_ABOVE, linesBelow: LINES_BELOW, highlightCode: false };
  const { text, lineStarts } = source;
  if (OTHER_BREAKS.test(text)) return codeFrameColumns(text, { start: place }, options);
  const first = Math.max(1, place.line - LINES_ABOVE);
  const from = lineStarts[first - 1] ?? text.length;
  const to = lineStarts[place.line + LINES_BELOW] ?? text.length;
  return codeFrameColumns(`${'\n'.repeat(first - 1)}${text.slice(from, to)}`, { start: place }, options);
}
