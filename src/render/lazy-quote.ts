/**
 * Block quotes whose paragraph has too many lazy lines: lines that go on a quoted paragraph
 * without starting with `>` (`> The board met.\nIt agreed...`). micromark looks back over the whole
 * paragraph at each such line, so their cost grows with the square of their number: 8,000 of them
 * (80 KB) took 3.5-11 s to parse, 16,000 a minute, and a file may be 512 KB. The same lines each
 * starting with `>` parse in linear time. Counted on the raw text, before any parse, and generously
 * (a line that would start a block of its own is counted too): a real bulletin has a handful.
 */
export const MOST_LAZY_LINES = 1000;

export interface LazyRun {
  /** 1-based line of the body on which the quoted paragraph starts. */
  line: number;
  /** Lazy lines in it. */
  lazy: number;
}

/** The first quoted paragraph with more than MOST_LAZY_LINES lazy lines, if any. */
export function overlongLazyQuote(markdown: string): LazyRun | undefined {
  // Cheap way out for the bodies with no quote at all, nearly all of them.
  if (!markdown.includes('>')) return undefined;
  let line = 0;
  let run: LazyRun | undefined;
  for (const text of markdown.split('\n')) {
    line++;
    if (/^[ \t]*\r?$/.test(text) || /^ {0,3}>[ \t]*\r?$/.test(text)) run = undefined;
    else if (/^ {0,3}>/.test(text)) run ??= { line, lazy: 0 };
    else if (run && ++run.lazy > MOST_LAZY_LINES) return run;
  }
  return undefined;
}
