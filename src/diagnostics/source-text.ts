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

export function codeFrameAt(source: SourceText, place: Place): string {
  return codeFrameColumns(
    source.text,
    { start: place },
    { linesAbove: 1, linesBelow: 1, highlightCode: false },
  );
}
