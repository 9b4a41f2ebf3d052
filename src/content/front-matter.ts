import matter from 'gray-matter';
import type { Document, YAMLError } from 'yaml';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { at, atOffset, problem, startOf } from '../diagnostics/problem.js';
import { placeAt, type SourceText } from '../diagnostics/source-text.js';
import { plainFrontMatter, type PlainFrontMatter } from './plain-front-matter.js';
import { yamlLibrary } from './yaml-library.js';

/** A file split into its YAML front matter (with positions) and its Markdown body. */
export interface FrontMatterFile {
  source: SourceText;
  /** The parsed YAML, or undefined when the file has no front matter at all. */
  yaml: Document | undefined;
  /** Offset in `source.text` where the YAML text starts, so YAML ranges map to file positions. */
  yamlOffset: number;
  /** Places known without `yaml` (plain-front-matter.ts), as offsets in the YAML text. */
  plainOffsetOf?: PlainFrontMatter['offsetOf'];
  data: unknown;
  body: string;
  /** 1-based line of `source` on which the body starts. */
  bodyLine: number;
}

export type SplitResult = { file: FrontMatterFile; problems: Diagnostic[] };

const refuseEvaluation = (): never => {
  // Only reached if the language check below is ever bypassed: gray-matter would otherwise eval().
  throw new Error('Executable front matter is disabled in Bulletin.');
};

/**
 * gray-matter's engines are replaced wholesale: YAML goes to the `yaml` package (which keeps
 * positions), and both `js` and `javascript` throw, since disabling one still leaves the other.
 */
const matterOptions = {
  engines: {
    yaml: (text: string) => ({ text }),
    js: refuseEvaluation,
    javascript: refuseEvaluation,
    json: refuseEvaluation,
    toml: refuseEvaluation,
    coffee: refuseEvaluation,
  },
};

export function splitFrontMatter(source: SourceText): SplitResult {
  const text = source.text;
  const written = matter.language(text).raw;
  const language = written.trim().toLowerCase();
  if (text.startsWith('---') && language !== '' && language !== 'yaml') {
    return {
      file: emptyFile(source),
      problems: [
        problem(
          'frontmatter-language',
          at(source, { line: 1, column: 4 + (written.length - written.trimStart().length) }),
          {
            written: written.trim(),
          },
        ),
      ],
    };
  }
  const late = /^\s+(?=---[ \t]*\n)/.exec(text);
  if (late) {
    // Front matter after blank lines is not front matter to gray-matter: it would become body text.
    return {
      file: emptyFile(source),
      problems: [
        problem('frontmatter-missing', atOffset(source, late[0].length), {
          case: 'late',
          line: placeAt(source, late[0].length).line,
        }),
      ],
    };
  }
  if (!/^---[ \t]*\n/.test(text)) {
    return {
      file: emptyFile(source),
      problems: [problem('frontmatter-missing', startOf(source), { case: 'absent' })],
    };
  }
  const parsed = matter(text, matterOptions) as unknown as { matter?: string; content: string };
  const rawYaml = parsed.matter ?? '';
  const yamlOffset = text.indexOf('\n') + (rawYaml.startsWith('\n') ? 0 : 1);
  let body = parsed.content;
  let bodyOffset = text.endsWith(body) ? text.length - body.length : text.length;
  if (bodyOffset > 0 && text[bodyOffset - 1] !== '\n') {
    // A closing "---" with trailing spaces: gray-matter leaves the spaces and the newline on the
    // body, which would then start mid-line and every position found in it would be off.
    const rest = /^[ \t]*(\n|$)/.exec(body);
    if (rest) {
      body = body.slice(rest[0].length);
      bodyOffset += rest[0].length;
    }
  }
  const closed = bodyOffset > yamlOffset + rawYaml.length;
  const fields = { source, yamlOffset, body, bodyLine: placeAt(source, bodyOffset).line };
  if (!closed || !/\n---[ \t]*(\n|$)/.test(text.slice(yamlOffset - 1))) {
    // The YAML then runs on into the Markdown, so its syntax errors would be about the body: only say this.
    const yaml = parseYaml(rawYaml);
    return {
      file: { ...fields, yaml, data: dataOf(yaml) ?? {} },
      problems: [problem('frontmatter-missing', startOf(source), { case: 'unclosed' })],
    };
  }
  const plain = plainFrontMatter(rawYaml);
  if (plain)
    return { file: withYamlWhenAsked({ ...fields, data: plain.data ?? {} }, plain, rawYaml), problems: [] };
  const yaml = parseYaml(rawYaml);
  const problems = explainYamlErrors(yaml, rawYaml).map((error) =>
    problem('yaml-syntax', atOffset(source, yamlOffset + error.offset), {
      in: 'front-matter',
      detail: error.message,
      hint: error.hint,
    }),
  );
  return { file: { ...fields, yaml, data: dataOf(yaml) ?? {} }, problems };
}

const parseYaml = (text: string) =>
  yamlLibrary().parseDocument(text, { uniqueKeys: true, prettyErrors: false, keepSourceTokens: false });

const dataOf = (yaml: Document): unknown =>
  yaml.errors.length === 0 ? yaml.toJS({ maxAliasCount: 50 }) : undefined;

/**
 * A file whose front matter js-yaml read (plain-front-matter.ts), with the places of the values it
 * wrote on a line, and `yaml`'s document made the first time a report asks for another place.
 */
function withYamlWhenAsked(
  fields: Omit<FrontMatterFile, 'yaml'>,
  plain: PlainFrontMatter,
  rawYaml: string,
): FrontMatterFile {
  let yaml: Document | undefined;
  return Object.defineProperty({ ...fields, plainOffsetOf: plain.offsetOf }, 'yaml', {
    get: () => {
      yaml ??= parseYaml(rawYaml);
      return yaml;
    },
    enumerable: true,
  }) as FrontMatterFile;
}

interface YamlProblem {
  /** Offset in the YAML text. */
  offset: number;
  message: string;
  hint: string;
}

/**
 * The parser's errors, one per place, in words a comms officer can act on. The parser often
 * reports one mistake twice at the same place (an over-indented line is both a "nested mapping"
 * and a "multi-line key"); only the more telling one is kept. Two places are moved to where the
 * mistake was made rather than where the parser gave up: an unclosed quote (the parser reports the
 * end of the front matter) and an over-indented line (the parser reports the value above it).
 */
function explainYamlErrors(doc: Document, yaml: string): YamlProblem[] {
  const byStart = new Map<number, YAMLError[]>();
  for (const error of doc.errors) byStart.set(error.pos[0], [...(byStart.get(error.pos[0]) ?? []), error]);
  const problems: YamlProblem[] = [];
  const reportedOwners = new Set<object>();
  for (const [start, errors] of byStart) {
    const overIndented = errors.find(
      (e) => e.code === 'MULTILINE_IMPLICIT_KEY' && yaml.slice(e.pos[0], e.pos[1]).includes('\n'),
    );
    if (overIndented) {
      const lineStart = yaml.indexOf('\n', start) + 1;
      const indent = /^[ \t]*/.exec(yaml.slice(lineStart))?.[0].length ?? 0;
      problems.push({
        offset: lineStart + indent,
        message: 'this line is indented further than the line above it, so it is read as part of that value',
        hint: 'Line each key up with the keys beside it (nested keys go under a key with no value), using spaces, not tabs.',
      });
      continue;
    }
    const error = errors[0]!;
    if (error.code === 'DUPLICATE_KEY') {
      const owner = duplicateOwner(doc, start);
      // A list entry that lost its "- " repeats every key of the entry above: one mistake, said
      // once. Elsewhere each repeated key is its own mistake, and each is reported.
      if (owner?.inList && reportedOwners.has(owner.map)) continue;
      if (owner?.inList) {
        reportedOwners.add(owner.map);
        const key = /^[^:\n]*/.exec(yaml.slice(start))?.[0].trim() ?? '';
        problems.push({
          offset: start,
          message: `the key "${key}" appears twice in one entry of the list; if a new entry starts here, it has lost its "- "`,
          hint: `Start each entry with "- ", lined up with the "- " of the entries above (e.g. "  - ${key}: ..."), and its other keys under the first.`,
        });
        continue;
      }
    }
    problems.push({
      offset: start,
      message: firstLine(error.message),
      hint: yamlHint(error.code),
      ...explainError(doc, yaml, error),
    });
  }
  return withoutFollowOns(
    problems.sort((a, b) => a.offset - b.offset),
    yaml,
  );
}

const LOST_DASH = 'this line starts a new entry of the list above, but has lost its "- "';

/** A key in the same column as the "- " of an entry above it, in the same block: its dash was deleted. */
function entryLostItsDash(yaml: string, lineStart: number, column: number): boolean {
  const above = yaml.slice(0, lineStart).split('\n').reverse();
  for (const line of above) {
    if (line.trim() === '') continue;
    const indent = /^ */.exec(line)![0].length;
    if (indent < column) return false;
    if (indent === column && line.slice(indent).startsWith('- ')) return true;
  }
  return false;
}

/**
 * After a lost "- ", the parser is lost for the rest of that list: every later line it reports
 * there is the same mistake. Keep the first; later problems in the list go until it is fixed.
 */
function withoutFollowOns(problems: YamlProblem[], yaml: string): YamlProblem[] {
  const lost = problems.find((p) => p.message === LOST_DASH);
  if (!lost) return problems;
  const column = lost.offset - (yaml.lastIndexOf('\n', lost.offset - 1) + 1);
  let end = yaml.length;
  for (
    let at = yaml.indexOf('\n', lost.offset);
    at >= 0 && at < yaml.length;
    at = yaml.indexOf('\n', at + 1)
  ) {
    const line = yaml.slice(at + 1, yaml.indexOf('\n', at + 1) < 0 ? undefined : yaml.indexOf('\n', at + 1));
    if (line.trim() !== '' && /^ */.exec(line)![0].length < column) {
      end = at + 1;
      break;
    }
  }
  return problems.filter((p) => p === lost || p.offset < lost.offset || p.offset >= end);
}

/** The mapping a duplicated key is in, and whether that mapping is an entry of a list. */
function duplicateOwner(doc: Document, keyStart: number): { map: object; inList: boolean } | undefined {
  let found: { map: object; inList: boolean } | undefined;
  yamlLibrary().visit(doc, {
    Pair(_, pair, path) {
      const key = pair.key as { range?: [number, number, number] } | null;
      if (found || key?.range?.[0] !== keyStart) return;
      const map = path[path.length - 1];
      const parent = path[path.length - 2];
      if (map && typeof map === 'object') found = { map, inList: yamlLibrary().isSeq(parent) };
    },
  });
  return found;
}

function explainError(doc: Document, yaml: string, error: YAMLError): Partial<YamlProblem> {
  const start = error.pos[0];
  if (error.code === 'MISSING_CHAR' && /closing ["']quote/.test(error.message)) {
    const mark = error.message.includes('"') ? '"' : "'";
    let opening: number | undefined;
    yamlLibrary().visit(doc, {
      Scalar(_, node) {
        if (
          (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') &&
          node.range &&
          node.range[0] < start &&
          start <= node.range[2]
        )
          opening = node.range[0];
      },
    });
    return {
      offset: opening ?? start,
      message: `this quoted text has no closing ${mark}`,
      hint: `Add the closing ${mark} at the end of the value; a ${mark} inside the text must be written ${mark === '"' ? '\\"' : "''"}.`,
    };
  }
  if (error.code === 'DUPLICATE_KEY') {
    const key = /^("[^"\n]*"|'[^'\n]*'|[^:\n]*)/.exec(yaml.slice(start))?.[0].trim() ?? '';
    return {
      message: `the key ${key.startsWith('"') || key.startsWith("'") ? key : `"${key}"`} appears twice in the same mapping`,
    };
  }
  if (error.code === 'BLOCK_AS_IMPLICIT_KEY') {
    const lineStart = yaml.lastIndexOf('\n', start - 1) + 1;
    const line = yaml.slice(lineStart, yaml.indexOf('\n', start) < 0 ? undefined : yaml.indexOf('\n', start));
    const pair = /^\s*(?:- )?([^\s:#][^:#]*?):[ \t]+(.*\S)\s*$/.exec(line);
    const example =
      pair && !/^["']/.test(pair[2]!)
        ? `${pair[1]}: "${pair[2]!.replace(/["\\]/g, '\\$&')}"`
        : 'title: "Stroke: next steps"';
    return {
      message: 'this value contains ": ", which YAML reads as the start of another key',
      hint: `Put the whole value in double quotes, e.g. \`${example}\`.`,
    };
  }
  if (error.code === 'TAB_AS_INDENT') {
    return {
      message: 'this line is indented with a tab',
      hint: 'Indent with spaces only (two per level); a tab cannot be read as indentation.',
    };
  }
  if (error.code === 'BAD_INDENT' && /same column/.test(error.message)) {
    // The parser points at the line's start; the writer needs the key that is out of line.
    const indent = /^[ \t]*/.exec(yaml.slice(start))?.[0].length ?? 0;
    if (entryLostItsDash(yaml, start, indent)) {
      return {
        offset: start + indent,
        message: LOST_DASH,
        hint: 'Put "- " back in front of its first key, in the column of the "- " of the entries above (e.g. "  - title: ..."), with its other keys under that first key.',
      };
    }
    return {
      offset: start + indent,
      message: 'this key does not line up with the keys above it',
      hint: 'Start it in the same column as the other keys of its block (count the spaces), or indent it under the key it belongs to.',
    };
  }
  if (error.code === 'MISSING_CHAR' && /without - indicator/.test(error.message)) {
    return {
      message: 'this line is indented like an entry of the list above it, but has no "- " in front',
      hint: 'Start each new entry of a list with "- " (for a meeting: "- title: ..."), and line its other keys up under the first.',
    };
  }
  return {};
}

function emptyFile(source: SourceText): FrontMatterFile {
  return { source, yaml: undefined, yamlOffset: 0, data: {}, body: '', bodyLine: 1 };
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '').replace(/\.$/, '');
}

function yamlHint(code: string): string {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'Each key may appear once; remove or rename one of them.';
    case 'BAD_INDENT':
    case 'TAB_AS_INDENT':
    case 'MISSING_CHAR':
      return 'Check the indentation: keys of one mapping start in the same column, nested keys are indented under their parent, with spaces, not tabs.';
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY':
      return 'A value containing ": " must be put in quotes.';
    default:
      return 'Put text containing ":", "#", quotes or brackets in double quotes, and check the indentation.';
  }
}
