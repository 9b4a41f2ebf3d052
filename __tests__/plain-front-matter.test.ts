import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { parseDocument } from 'yaml';
import { splitFrontMatter } from '../src/content/front-matter.js';
import { plainFrontMatter } from '../src/content/plain-front-matter.js';
import { placeOfPath, type YamlPath } from '../src/content/yaml-place.js';
import { sourceText } from '../src/diagnostics/source-text.js';
import { repoRoot } from './helpers/cli.js';
import { seeded } from './helpers/seeded.js';

/**
 * Front matter js-yaml reads (src/content/plain-front-matter.ts) must give `yaml`'s very data, key
 * order, -0 and NaN included, be text in which `yaml` finds no error, and place every value and key
 * (and every path that is not there) where `yaml` does.
 */
function differences(texts: readonly string[]): { plain: number; differing: object[] } {
  let plain = 0;
  const differing: object[] = [];
  const show = (value: unknown) => inspect(value, { depth: null });
  for (const text of texts) {
    const quick = plainFrontMatter(text);
    if (!quick) continue;
    plain++;
    const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, keepSourceTokens: false });
    const errors = doc.errors.map((error) => error.code);
    const data = errors.length === 0 ? doc.toJS({ maxAliasCount: 50 }) : undefined;
    if (errors.length > 0 || show(data) !== show(quick.data))
      differing.push({ text, js_yaml: show(quick.data), yaml: show(data), errors });
    const file = splitFrontMatter(sourceText('item.md', `---\n${text}\n---\nBody\n`)).file;
    const byYaml = { ...file, plainOffsetOf: undefined };
    for (const path of pathsIn(quick.data))
      for (const at of ['key', 'value'] as const) {
        const place = placeOfPath(file, path, at);
        const yamlPlace = placeOfPath(byYaml, path, at);
        if (show(place) !== show(yamlPlace)) differing.push({ text, path, at, place, yaml: yamlPlace });
      }
  }
  return { plain, differing };
}

/** Every path in the data, and one past each end: a key and an entry that are not there. */
function pathsIn(data: unknown, path: YamlPath = []): YamlPath[] {
  if (Array.isArray(data))
    return [path, [...path, data.length], ...data.flatMap((value, i) => pathsIn(value, [...path, i]))];
  if (data && typeof data === 'object')
    return [
      path,
      [...path, 'absent'],
      ...Object.entries(data).flatMap(([key, value]) => pathsIn(value, [...path, key])),
    ];
  return [path, [...path, 'below']];
}

const frontMatterOf = (source: string) => /^---\n([\s\S]*?)\n---[ \t]*(?:\n|$)/.exec(source)?.[1];

test('the sample bulletins and the fixtures read the same, and most of them the plain way', () => {
  const texts = [join(repoRoot, 'bulletins'), join(repoRoot, '__tests__', 'fixtures')]
    .flatMap((dir) =>
      readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((path) => path.endsWith('.md'))
        .map((path) => join(dir, path)),
    )
    .flatMap((file) => frontMatterOf(readFileSync(file, 'utf8')) ?? []);
  const { plain, differing } = differences(texts);
  expect(differing).toEqual([]);
  expect(texts.length).toBeGreaterThan(100);
  expect(plain / texts.length).toBeGreaterThan(0.8);
});

/** Each one is read the plain way, with `yaml`'s data. */
const PLAIN = [
  'title: "Next week\'s meetings"\nkind: meetings',
  "title: 'It''s here' # a comment",
  'links:\n  - text: "Read it"\n    url: https://example.org/a?b=c#d',
  'programmes: [cancer, mental-health]\nplaces: []\nempty: [ ]',
  'a: 1\nb: 0x1F\nc: 0o17\nd: 1_000\ne: .5\nf: 1e3\ng: .inf\nh: .NaN\ni: 012\nj: +12\nk: 1.50\nl: 0x',
  'a: true\nb: True\nc: TRUE\nd: yes\ne: on\nf: ~\ng: null\nh: Null\ni:\nj: 2015-01-09\nk: 12:30',
  'order: 99999999999999999999\nsmall: 1e-400\nbig: 1e400',
  'title: a#b c # d\nother: x:y',
  'a:\n  - a\n  - b\n  -\n  - - c\n    - d\n  -\n    - e',
  'a:\n  - b: 1\n    c: 2\n  -   d: 3\n      e: 4',
  'title: "\\"quoted\\" \\u2019 \\/ \\\\ \\n \\t"',
  'constructor: x\ntoString: y\nhasOwnProperty: z',
  '# only a comment',
  'a: b #',
  '',
  'a: [1, true, null, "q", \'r\']',
];

/** Each one goes to `yaml`: its reading differs by parser, or it may be a mistake `yaml` explains. */
const NOT_PLAIN = [
  // From a hostile review: an empty last entry of a list, then an entry of a list further out (js-yaml
  // puts it in the inner list), and a key longer than `yaml` allows.
  'a:\n  - -\n  - x',
  'a:\n  -\n    -\n  - x',
  'a:\n  - b:\n      -\n  - x',
  'a:\n  - - x\n    -\n  - y',
  `${'k'.repeat(1025)}: 1`,
  `x:\n  - ${'k'.repeat(1025)}: 1`,
  'a: hello\n  world',
  'a:\n  hello',
  '- a\n- b',
  'a: 1\nb:\n- c',
  'null: 1',
  'true: 1',
  'a:\n  False: 2',
  'a: &x 1\nb: *x',
  'a: !!str 1',
  'a: |\n  text',
  'a: >\n  text',
  'a: {b: 1}',
  'a: "two\n  lines"',
  'a: b\na: c',
  '\ta: 1',
  'a: 1\r\nb: 2',
  'a: -1',
  'a: [b, [c]]',
  'a: x: y',
  '%YAML 1.2\n---\na: 1',
  'a: 1\n...',
  'a: "\\x41"',
  'a: \ufeffb',
  'a: \u0085',
  '__proto__: 1',
  'a: b\n  c: d',
  'a:\n- b\n - c',
];

test.each(PLAIN)('read the plain way: %j', (text) => {
  expect(plainFrontMatter(text)).toBeDefined();
  expect(differences([text]).differing).toEqual([]);
});

test.each(NOT_PLAIN)('left to yaml: %j', (text) => {
  expect(plainFrontMatter(text)).toBeUndefined();
});

/** Front matter as written, nested any way, and now and then with a typing slip. */
function generated(random: (below: number) => number): string {
  const pick = <T>(list: readonly T[]): T => list[random(list.length)]!;
  const keys = [
    'title',
    'kind',
    'date',
    'url',
    'text',
    'a-b',
    'x_1',
    'Null',
    'true',
    'no',
    'b2',
    'constructor',
  ];
  const values = [
    '"Next week\'s meetings"',
    "'it''s'",
    '"a \\" b \\\\ c \\u00e9"',
    '"’curly’ & <b>"',
    'plain words here',
    'https://example.org/a:b?c=d#e',
    'a#b',
    'x:y',
    '[cancer, leeds]',
    '[ "a, b" , \'c\' ]',
    '[]',
    '0x1F',
    '0o17',
    '012',
    '+3',
    '1_000',
    '.5',
    '1.50',
    '1e3',
    '.inf',
    '.NaN',
    'true',
    'False',
    'yes',
    '~',
    'null',
    '2015-01-09',
    '12:30',
    '99999999999999999999',
    'value # note',
  ];
  const step = () => pick([2, 2, 2, 4, 1, 3]);
  const lines: string[] = [];
  // `lead`: what starts the first line of the block ("- " markers), written at `column`.
  const mapping = (column: number, lead: string, depth: number) => {
    for (let i = 0, count = 1 + random(4); i < count; i++) {
      const start = i === 0 ? lead : ' '.repeat(column);
      const key = pick(keys);
      const nested = depth < 3 ? random(4) : 3;
      if (nested === 0) {
        lines.push(`${start}${key}:`);
        mapping(column + step(), ' '.repeat(column + step()), depth + 1);
      } else if (nested === 1) {
        lines.push(`${start}${key}:`);
        list(column + pick([0, 2, 2, 4]), depth + 1);
      } else lines.push(`${start}${key}:${random(8) === 0 ? '' : ` ${pick(values)}`}`);
      if (random(10) === 0) lines.push(pick(['', `${' '.repeat(column)}# a comment`]));
    }
  };
  const list = (column: number, depth: number) => {
    for (let i = 0, count = 1 + random(3); i < count; i++) {
      const marker = `${' '.repeat(column)}${pick(['- ', '- ', '-  ', '- - '])}`;
      const shape = depth < 3 ? random(4) : 0;
      if (shape === 0) lines.push(`${marker}${pick(values)}`);
      else if (shape === 1) mapping(marker.length, marker, depth + 1);
      else if (shape === 2) {
        lines.push(`${' '.repeat(column)}-`);
        mapping(column + step(), ' '.repeat(column + step()), depth + 1);
      } else lines.push(`${marker.trimEnd()}`);
    }
  };
  mapping(0, '', 0);
  let text = lines.join('\n');
  for (let slips = random(3) === 0 ? 1 + random(2) : 0; slips > 0 && text.length > 0; slips--) {
    const at = random(text.length);
    text =
      random(2) === 0
        ? text.slice(0, at) +
          pick([' ', '-', ':', '#', '"', "'", '[', ']', ',', '\n', '  ', '- ']) +
          text.slice(at)
        : text.slice(0, at) + text.slice(at + 1);
  }
  return text;
}

test('generated front matter, typing slips and all, reads the same both ways', () => {
  const random = seeded(0xf407);
  const texts = Array.from({ length: 20_000 }, () => generated(random));
  const { plain, differing } = differences(texts);
  expect(differing.slice(0, 5)).toEqual([]);
  // The generator must reach the plain path often, or this test compares nothing.
  expect(plain).toBeGreaterThan(5_000);
});

test('a path with a symbol in it has no place here (yaml-place.ts then asks `yaml`)', () => {
  const plain = plainFrontMatter('title: x');
  expect(plain?.offsetOf(['title'], 'value')).toBe(7);
  expect(plain?.offsetOf([Symbol('title')], 'value')).toBeUndefined();
});

test('long runs of spaces are refused in one pass (they took seconds when two parts of a line could share them)', () => {
  const spaces = ' '.repeat(100_000);
  for (const text of [
    `a:\n${spaces}:`,
    `${spaces}:`,
    `a:\n  -${spaces}:`,
    `a: [${spaces}:`,
    `a:\n${spaces}-:`,
  ])
    expect(plainFrontMatter(text)).toBeUndefined();
  expect(plainFrontMatter(`${'k'.repeat(1024)}: 1`)?.data).toEqual({ ['k'.repeat(1024)]: 1 });
});

test('places of entries and keys are told apart: a key "0" is not the entry 0', () => {
  const plain = plainFrontMatter('a:\n  - x');
  expect(plain?.offsetOf(['a', 0], 'value')).toBe(7);
  expect(plain?.offsetOf(['a', '0'], 'value')).toBeUndefined();
});
