import { runes } from 'runes2';
import { icsRunes } from '../src/archive/ics-runes.js';

/**
 * Our rune splitting (src/archive/ics-runes.ts) must cut every text where `runes2`, which `ics`
 * folds calendar lines by, cuts it: texts made of the characters its rules are about, in every
 * order, including the shapes it reads oddly (a flag with no end tag, lone surrogates, a joiner or
 * a selector at the very end).
 */
const pieces = [
  'a',
  ' ',
  '\r',
  '中',
  '😀',
  '\u{1f3f4}', // the subdivision flag base
  '\u{e0067}', // a tag character
  '\u{e007f}', // the end tag
  '\u{1f1ec}', // a regional indicator
  '\u{1f3fd}', // a skin tone
  '\ufe0f', // a variation selector
  '\u20e3', // a combining mark for symbols
  '\u200d', // a zero-width joiner
  '\u0308', // one of the characters runes2 joins to the one before
  '\u0e33',
  '\ud83d', // a lone high surrogate
  '\ude00', // a lone low surrogate
];

function randomTexts(count: number, longest: number, seed: number): string[] {
  let state = seed;
  const next = (below: number) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % below;
  };
  const texts: string[] = [];
  for (let n = 0; n < count; n++) {
    let text = '';
    for (let length = next(longest) + 1; length > 0; length--) text += pieces[next(pieces.length)];
    texts.push(text);
  }
  return texts;
}

test('texts of the characters runes2 has rules for are cut where runes2 cuts them', () => {
  const texts = [
    ...randomTexts(20_000, 24, 1),
    ...randomTexts(500, 400, 2),
    '🏴\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}',
    '🏴\u{e0067}\u{e0062}',
    '🇬🇧🇬',
    '👨\u200d👩\u200d👧',
    'a\u200d',
    '\ud83d',
    '',
  ];
  const differing = texts.filter((text) => JSON.stringify(icsRunes(text)) !== JSON.stringify(runes(text)));
  expect(differing.slice(0, 3).map((text) => ({ text, ours: icsRunes(text), runes2: runes(text) }))).toEqual(
    [],
  );
});

test('flags without their end tag, 200 KB of them, are cut in one reading of the text', () => {
  // runes2 searched the rest of the text from each flag: 64,000 characters of these took it 3 s.
  const count = 33_333; // six UTF-16 units each: 200 KB
  const flags = '🏴\u{e0067}\u{e0062}'.repeat(count);
  const cut = icsRunes(flags);
  expect(cut.join('')).toBe(flags);
  // Each flag without an end tag is cut in two halves and a rune per tag, as runes2 cuts it.
  expect(cut.length).toBe(count * 4);
  expect(icsRunes(flags.slice(0, 600))).toEqual(runes(flags.slice(0, 600)));
});
