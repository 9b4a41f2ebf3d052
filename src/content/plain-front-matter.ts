import { FAILSAFE_SCHEMA, load, Type, YAMLException } from 'js-yaml';

/** Keys and list indexes down to a value, as yaml-place.ts takes them. */
type YamlPath = readonly PropertyKey[];

/** Front matter read the plain way: its data, and where its values and keys are written. */
export interface PlainFrontMatter {
  data: unknown;
  /**
   * The offset in the YAML text of the value (or key) at `path`, as `yaml` would place it, when that
   * value is written on a line (not a key left empty, nor a path that is not there): ask `yaml` then.
   */
  offsetOf(path: YamlPath, at: 'key' | 'value'): number | undefined;
}

/**
 * The data of front matter written the plain way bulletins are, read by js-yaml, or undefined for
 * anything else, which the caller gives to the `yaml` package (front-matter.ts).
 *
 * `yaml` keeps every node's place, which problem reports need, and explains mistakes well; it also
 * took ~0.5 s of a warm `check --all` of 520 issues (5,720 front matters), a tenth of the whole, and
 * more than a second of its CPU cold. No library both reads YAML fast and keeps places. js-yaml reads
 * the same texts in a tenth of the time, but keeps no places and resolves some scalars differently.
 * So js-yaml reads only front matter whose every line is one of these, with nothing that could reach
 * across lines, and the places are taken from the lines here:
 *
 * - blank, or a comment;
 * - `key:` or `key: value` (a key of letters, digits, `-` and `_`, starting with a letter, and not
 *   one `yaml` turns into null or a boolean), after any indentation and `- ` entry markers;
 * - `- value`;
 *
 * where a value is a double-quoted string with only the escapes `\" \\ \/ \b \f \n \r \t \uXXXX`, a
 * single-quoted string, a plain word run that starts with no YAML indicator and holds no `: ` or
 * ` #`, or a one-line `[list]` of such words or quoted strings; any of them may be followed by a
 * comment. Tabs, carriage returns, control and non-characters, anchors, aliases, tags, directives,
 * block scalars, flow mappings, values over several lines and odd nesting (see `readLines`) all go
 * to `yaml`.
 *
 * Plain scalars resolve by `yaml`'s YAML 1.2 core schema (below), not js-yaml's own. Text that js-yaml
 * rejects (a repeated key, a bad indentation) goes to `yaml`, which then says what is wrong. The data
 * and places equal `yaml`'s, and `yaml` finds no error in such text: plain-front-matter.test.ts
 * compares the two on generated front matter and on every hand-written case.
 */
export function plainFrontMatter(yamlText: string): PlainFrontMatter | undefined {
  if (!readLines(yamlText)) return undefined;
  let data: unknown;
  try {
    data = load(yamlText, { schema: CORE_1_2 }) ?? null;
  } catch (error) {
    // Said by `yaml`, with its place and a hint, when the caller parses it there.
    if (!(error instanceof YAMLException)) throw error;
    return undefined;
  }
  // Noted only when first asked: most files never are.
  let offsets: Map<string, number> | undefined;
  return {
    data,
    offsetOf(path, at) {
      if (path.some((segment) => typeof segment === 'symbol')) return undefined;
      if (!offsets) {
        offsets = new Map();
        readLines(yamlText, offsets);
      }
      return offsets.get(placeKey(at === 'key' && path.length > 0 ? 'key' : 'value', path));
    },
  };
}

/** Not a key `yaml` turns into null or a boolean, and no longer than `yaml` allows (1,024 characters). */
const KEY = '(?!(?:[Nn]ull|NULL|[Tt]rue|TRUE|[Ff]alse|FALSE):)[A-Za-z][A-Za-z0-9_-]{0,1023}';
const DOUBLE_QUOTED = String.raw`"(?:[^"\\]|\\["\\/bfnrt]|\\u[0-9A-Fa-f]{4})*"`;
const SINGLE_QUOTED = `'(?:[^']|'')*'`;
/** Starts with no indicator; no `: ` or ` #` inside; ends without a space or `:`. */
const PLAIN_WORDS = String.raw`[^\s\-?:,\[\]{}#&*!|>'"%@\x60](?:[^\s:#]|:(?=[^\s:])|(?<=[^\s#])#| +(?=[^\s#:]))*`;
const LIST_WORD = String.raw`(?:[A-Za-z0-9][A-Za-z0-9_.\-]*|${DOUBLE_QUOTED}|${SINGLE_QUOTED})`;
const FLOW_LIST = String.raw`\[(?: *${LIST_WORD}(?: *, *${LIST_WORD})*)? *\]`;
const VALUE = `(?:${DOUBLE_QUOTED}|${SINGLE_QUOTED}|${FLOW_LIST}|${PLAIN_WORDS})`;
/**
 * Indentation, entry markers, then a key (with or without a value) or a value alone, then a comment.
 * Each run of spaces is taken whole by one part (`(?! )`): parts that could share a run made a line of
 * 40,000 spaces take seconds to refuse.
 */
const LINE = new RegExp(
  `^( *)(?! )((?:-(?: +(?! )|$))*)(?:(${KEY}):(?:( +)${VALUE})?|(${VALUE}))?(?: +#.*)? *$`,
);
/** Characters whose reading differs by parser or by position (see the comment above). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this pattern's job
const UNSAFE = /[\t\r\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]|\p{Cs}/u;

interface Block {
  column: number;
  kind: 'map' | 'list';
  /** Where this block is in the data. */
  path: YamlPath;
  /** The entry of a list being read (-1 before the first). */
  index: number;
}

/**
 * The places of the values and keys, by path, when every line is one of the plain forms and the
 * lines nest the one way both parsers agree on: a mapping at the margin; each line continues an open
 * block at its column (a key in a mapping, an entry in a list), or opens a block further in under a
 * key or entry marker with nothing after it. js-yaml forgives some indentation `yaml` rejects (a
 * list's entries at two columns), and a block list under a key in the key's own column is read
 * differently: those go to `yaml`, as does a value alone on its line (it continues the value above).
 */
function readLines(text: string, offsets?: Map<string, number>): boolean {
  if (UNSAFE.test(text)) return false;
  const place = (at: 'key' | 'value', path: YamlPath, offset: number) =>
    offsets?.set(placeKey(at, path), offset);
  const open: Block[] = [];
  // The key or entry whose value may be a block on the lines below (`document` before the first line).
  let waiting: { column: number; path: YamlPath; list?: Block } | undefined = { column: -1, path: [] };
  let lineStart = 0;
  for (const line of text.split('\n')) {
    const start = lineStart;
    lineStart += line.length + 1;
    if (/^ *(?:#.*)?$/.test(line)) continue;
    const match = LINE.exec(line);
    if (!match) return false;
    const [, indent = '', markers = '', key, spaces, valueAlone] = match;
    const columns: { column: number; kind: Block['kind'] }[] = [];
    let column = indent.length;
    for (const marker of markers.match(/-(?: +(?! )|$)/g) ?? []) {
      columns.push({ column, kind: 'list' });
      column += marker.length;
    }
    if (key) columns.push({ column, kind: 'map' });
    const first = columns[0];
    if (!first) return false;
    if (waiting?.column === -1 && (first.column !== 0 || first.kind !== 'map')) return false;
    let parent: Block;
    if (waiting && first.column > waiting.column) {
      parent = { ...first, path: waiting.path, index: -1 };
      open.push(parent);
      place('value', waiting.path, start + first.column);
    } else {
      while (open.length > 0 && open.at(-1)!.column > first.column) open.pop();
      parent = open.at(-1)!;
      if (parent?.column !== first.column || parent.kind !== first.kind) return false;
      // An empty last entry of a list closed by an entry of a list further out: js-yaml puts that
      // entry in the inner list, `yaml` in the outer one.
      if (waiting?.list && !open.includes(waiting.list)) return false;
    }
    // Each further marker or key on the line opens a block inside the entry before it.
    for (const next of columns.slice(1)) {
      parent.index++;
      const path = offsets ? [...parent.path, parent.index] : parent.path;
      place('value', path, start + next.column);
      parent = { ...next, path, index: -1 };
      open.push(parent);
    }
    if (parent.kind === 'map') {
      const path = offsets ? [...parent.path, key!] : parent.path;
      place('key', path, start + parent.column);
      if (spaces) place('value', path, start + parent.column + key!.length + 1 + spaces.length);
      waiting = spaces ? undefined : { column: parent.column, path };
    } else {
      parent.index++;
      const path = offsets ? [...parent.path, parent.index] : parent.path;
      if (valueAlone) place('value', path, start + column);
      waiting = valueAlone ? undefined : { column: parent.column, path, list: parent };
    }
  }
  return true;
}

/** A place's key in the map of places: numbers (list entries) and strings (keys) told apart. */
function placeKey(at: 'key' | 'value', path: YamlPath): string {
  return `${at}:${JSON.stringify(path)}`;
}

/** A scalar type resolved as `yaml`'s core schema resolves it (yaml/dist/schema/core). */
const scalar = (tag: string, test: { test(text: string): boolean }, construct: (text: string) => unknown) =>
  new Type(`tag:yaml.org,2002:${tag}`, {
    kind: 'scalar',
    resolve: (text: string | null) => test.test(text ?? ''),
    construct: (text: string | null) => construct(text ?? ''),
  });

const INT = [
  { test: /^0o[0-7]+$/, from: 2, radix: 8 },
  { test: /^[-+]?[0-9]+$/, from: 0, radix: 10 },
  { test: /^0x[0-9a-fA-F]+$/, from: 2, radix: 16 },
];
const FLOAT_SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$|^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

// One type a tag: js-yaml keeps only the last of several with the same tag.
const CORE_1_2 = FAILSAFE_SCHEMA.extend({
  implicit: [
    scalar('null', /^(?:~|[Nn]ull|NULL)?$/, () => null),
    scalar('bool', /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, (text) => text[0] === 't' || text[0] === 'T'),
    scalar('int', { test: (text: string) => INT.some((int) => int.test.test(text)) }, (text) => {
      const { from, radix } = INT.find((int) => int.test.test(text))!;
      return parseInt(text.slice(from), radix);
    }),
    scalar('float', { test: (text: string) => FLOAT_SPECIAL.test(text) || FLOAT.test(text) }, (text) => {
      if (!FLOAT_SPECIAL.test(text)) return parseFloat(text);
      if (text.slice(-3).toLowerCase() === 'nan') return Number.NaN;
      return text[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    }),
  ],
});
