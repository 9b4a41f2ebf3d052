/**
 * A text cut into the "runes" the `ics` package folds calendar lines by (its `runes2` dependency's
 * rules, surrogate halves and all), so that our folding stays byte for byte that of `ics`.
 *
 * Written here because `runes2` looks for the end of a subdivision flag (🏴 and tag characters, as
 * in the Scottish flag) by searching the whole rest of the text from every flag: a meeting
 * description of 64,000 characters of flags without their end tag took 3 s, 200 KB minutes. Here
 * each search starts where the last one stopped, so a text is read once. `ics-runes.test.ts`
 * compares the two on texts made of exactly the characters the rules are about.
 */
const ZWJ = 0x200d;
const TAG_END = String.fromCodePoint(0xe007f);
/** Characters `runes2` joins to the rune before them (its GRAPHEMES list). */
const JOINING = new Set([
  0x0308, 0x0937, 0x093f, 0x0ba8, 0x0bbf, 0x0bcd, 0x0e31, 0x0e33, 0x0e40, 0x0e49, 0x1100, 0x1161, 0x11a8,
]);

export function icsRunes(text: string): string[] {
  const result: string[] = [];
  const tagEnds = new TagEndFinder(text);
  let start = 0;
  let length = 0;
  while (start < text.length) {
    length += unitsAt(text, start + length, tagEnds);
    if (JOINING.has(text.charCodeAt(start + length))) length++;
    if (between(text.charCodeAt(start + length), 0xfe00, 0xfe0f)) length++; // a variation selector
    if (between(text.charCodeAt(start + length), 0x20d0, 0x20ff)) length++; // a combining mark for symbols
    if (text.charCodeAt(start + length) === ZWJ) {
      length++; // and the next character joins this rune too
      continue;
    }
    result.push(text.substring(start, start + length));
    start += length;
    length = 0;
  }
  return result;
}

/** How many UTF-16 units the character at `at` takes, with what `runes2` joins to it. */
function unitsAt(text: string, at: number, tagEnds: TagEndFinder): number {
  if (!between(text.charCodeAt(at), 0xd800, 0xdbff) || at === text.length - 1) return 1;
  // Both read as surrogate pairs whatever they hold, as runes2 reads them (NaN past the end).
  const current = pairCodePoint(text, at);
  const next = pairCodePoint(text, at + 2);
  if (isRegionalIndicator(current) && isRegionalIndicator(next)) return 4;
  if (current === 0x1f3f4 && between(text.codePointAt(at + 2) ?? Number.NaN, 0xe0000, 0xe007f)) {
    const end = tagEnds.from(at);
    return end === -1 ? 1 : end - at + 2;
  }
  if (between(next, 0x1f3fb, 0x1f3ff)) return 4; // a skin tone
  return 2;
}

/** The first end tag at or after a position; positions asked for never go back. */
class TagEndFinder {
  private found = -2;
  constructor(private readonly text: string) {}

  from(at: number): number {
    if (this.found === -2 || (this.found !== -1 && this.found < at))
      this.found = this.text.indexOf(TAG_END, at);
    return this.found;
  }
}

function pairCodePoint(text: string, at: number): number {
  return ((text.charCodeAt(at) - 0xd800) << 10) + (text.charCodeAt(at + 1) - 0xdc00) + 0x10000;
}

function isRegionalIndicator(codePoint: number): boolean {
  return between(codePoint, 0x1f1e6, 0x1f1ff);
}

function between(value: number, lower: number, upper: number): boolean {
  return value >= lower && value <= upper;
}
