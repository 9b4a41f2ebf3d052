import type { z } from 'zod';
import type { SchemaRule } from '../diagnostics/catalogue.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { at, problem, type ProblemPlace } from '../diagnostics/problem.js';
import { didYouMean } from '../diagnostics/suggest.js';
import type { FrontMatterFile } from './front-matter.js';
import { itemKinds } from './kinds/index.js';
import { placeOfPath, type YamlPath } from './yaml-place.js';

/** What each key means, for hints that say how to fix a value rather than just that it is wrong. */
const keyHelp: Record<string, string> = {
  title: 'a headline on one line, e.g. `title: Stroke programme`',
  date: 'the date as YYYY-MM-DD, e.g. `date: 2018-05-11`',
  summary: 'one sentence, shown as the email preheader, e.g. `summary: "News from our stroke programme"`',
  kind: `one of ${itemKinds.join(', ')}`,
  programme: 'a programme id from bulletin.config.yaml, e.g. `programme: stroke`',
  programmes: 'a list of programme ids, e.g. `programmes: [stroke, carers]`',
  places: 'a list of place ids, e.g. `places: [calderdale, leeds]`',
  order: 'a whole number; lower numbers come first',
  start: 'a 24-hour time in quotes, e.g. `start: "09:30"`',
  end: 'a 24-hour time in quotes, e.g. `end: "11:00"`',
  email: 'an email address, e.g. `email: name@example.org`',
  meetings: 'a list of meetings, each with at least a `title`',
  url: 'a full address, e.g. `url: https://example.org/report`',
  link: 'a full address, e.g. `link: https://example.org/agenda`',
  subject: 'the email subject on one line, e.g. `subject: "Stroke: what happens next"`',
  lead: '`full` (the whole lead article in the email) or `excerpt` (its first paragraphs and a link to the rest)',
  showTags: '`true` or `false`',
  editor: 'a name on one line, e.g. `editor: Sam Jones`',
  author: 'a name and role indented under it, e.g. `author:` then `  name: Robin Tuddenham` on the next line',
  name: 'a name on one line, e.g. `name: Fatima Khan-Shah`',
  role: 'a job title on one line, e.g. `role: Chief Executive`',
  contact:
    'a name and optional email and phone indented under it, e.g. `contact:` then `  name: Stroke programme team` on the next line',
  phone: 'a phone number in quotes, e.g. `phone: "01924 123456"`',
  links: 'a list of links, each `- text: ...` with `url: https://...` under it',
  text: 'the words of the link on one line, e.g. `text: Read the report`',
  location: 'a place on one line, e.g. `location: Wakefield`',
  description: 'a sentence of text, in double quotes if it contains ":"',
};

export type Validated<T> =
  | { value: T; problems: Diagnostic[] }
  | { value: undefined; problems: Diagnostic[] };

export function validateFrontMatter<S extends z.ZodType>(
  file: FrontMatterFile,
  schema: S,
): Validated<z.output<S>> {
  const result = schema.safeParse(file.data);
  if (result.success) return { value: result.data, problems: [] };
  // A misspelt key (`programe:`) is one mistake: its "did you mean" already names the missing key.
  const misspelt = new Set<string>();
  for (const issue of result.error.issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const known = keysAt(schema, issue.path as YamlPath);
    for (const key of issue.keys) {
      const guess = didYouMean(key, known);
      if (guess) misspelt.add(JSON.stringify([...issue.path, guess]));
    }
  }
  const problems = result.error.issues
    .filter(
      (issue) =>
        !(
          issue.code === 'invalid_type' &&
          valueAt(file.data, issue.path as YamlPath) === undefined &&
          misspelt.has(JSON.stringify(issue.path))
        ),
    )
    .flatMap((issue) => issueToDiagnostics(file, schema, issue));
  return { value: undefined, problems };
}

function issueToDiagnostics(file: FrontMatterFile, schema: z.ZodType, issue: z.core.$ZodIssue): Diagnostic[] {
  const path = issue.path as YamlPath;
  const name = keyName(path);
  const key = String(path[path.length - 1] ?? '');
  const help = keyHelp[key];
  const place = (where: 'key' | 'value' = 'value') => at(file.source, placeOfPath(file, path, where));
  const given = () => String(valueAt(file.data, path));

  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = keysAt(schema, path);
      return issue.keys.map((unknown) =>
        problem('unknown-key', at(file.source, placeOfPath(file, [...path, unknown], 'key')), {
          key: unknown,
          ...(path.length ? { within: name } : {}),
          known,
        }),
      );
    }
    case 'invalid_type': {
      const value = valueAt(file.data, path);
      if (value === undefined || value === null) {
        const parent = path.slice(0, -1);
        const where = placeOfPath(file, value === null ? path : parent, value === null ? 'key' : 'value');
        return [
          problem('missing-key', at(file.source, where), {
            case: value === null ? 'no-value' : 'absent',
            name,
            ...(help ? { help } : {}),
          }),
        ];
      }
      const expected = describeType(issue.expected);
      const actual = describeValue(value);
      return [
        problem(
          'invalid-type',
          place(),
          path.length === 0
            ? { at: 'root', expected, actual, item: false }
            : {
                at: 'key',
                name,
                expected,
                actual,
                ...(help ? { help } : {}),
                text: issue.expected === 'string',
              },
        ),
      ];
    }
    case 'invalid_value': {
      const values = issue.values.map(String);
      return [
        problem('invalid-value', place(), {
          case: 'one-of',
          name,
          values,
          given: given(),
          ...(help ? { help } : {}),
        }),
      ];
    }
    case 'too_small':
      if (issue.origin === 'string')
        return [problem('missing-key', place(), { case: 'empty', name, ...(help ? { help } : {}) })];
      return [
        problem(
          'invalid-value',
          place(),
          issue.origin === 'array'
            ? { case: 'too-few', name, minimum: Number(issue.minimum), ...(help ? { help } : {}) }
            : { case: 'too-small', name, ...(help ? { help } : {}) },
        ),
      ];
    case 'too_big':
      return [
        problem('invalid-value', place(), {
          case: 'too-long',
          name,
          maximum: Number(issue.maximum),
          unit: issue.origin === 'string' ? 'characters' : 'entries',
          summary: key === 'summary',
        }),
      ];
    case 'invalid_format': {
      const format = describeFormat(issue.format, key);
      const value = JSON.stringify(valueAt(file.data, path));
      return [
        problem('invalid-value', place(), { case: 'format', name, format, value, ...(help ? { help } : {}) }),
      ];
    }
    default:
      if (issue.code === 'custom' && isSchemaRule(issue.params))
        return [ruleProblem(issue.params, name, place())];
      return [
        problem('invalid-value', place(), {
          case: 'other',
          name,
          detail: issue.message,
          ...(help ? { help } : {}),
        }),
      ];
  }
}

/** A rule of the schema (content/fields.ts `breaksRule`) as its problem, named by the key it is about. */
function ruleProblem(rule: SchemaRule, name: string, place: ProblemPlace): Diagnostic {
  // The rule's parameters were checked against its code where it was raised; only the name is added.
  return problem(rule.problem as 'invalid-value', place, { ...rule.params, name } as never);
}

const isSchemaRule = (params: unknown): params is SchemaRule =>
  typeof params === 'object' && params !== null && 'problem' in params && 'params' in params;

/** The lists whose entries a writer names by what they are: "meeting 3", "link 1". */
const ENTRY_NAMES: Record<string, string> = {
  meetings: 'meeting',
  links: 'link',
  lists: 'list',
  sections: 'section',
  places: 'place',
  programmes: 'programme',
};

/**
 * How a person would name a place in the YAML, keys in quotes: `"date" of meeting 3` for
 * `meetings[2].date`, counting from 1 as the writer does (the file:line:column says exactly where).
 */
export function keyName(path: YamlPath): string {
  if (path.length === 0) return 'the front matter';
  const at = path.findIndex((segment) => typeof segment === 'number');
  if (at < 0) return `"${path.map(String).join('.')}"`;
  const list = path.slice(0, at).map(String).join('.');
  const entryName = ENTRY_NAMES[String(path[at - 1])];
  const entry = entryName
    ? `${entryName} ${Number(path[at]) + 1}`
    : `entry ${Number(path[at]) + 1}${list ? ` of "${list}"` : ''}`;
  const rest = path.slice(at + 1);
  return rest.length ? `${keyName(rest)} of ${entry}` : entry;
}

function valueAt(data: unknown, path: YamlPath): unknown {
  let value: unknown = data;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

interface SchemaDef {
  type: string;
  shape?: Record<string, unknown>;
  element?: { _zod: { def: SchemaDef } };
  innerType?: { _zod: { def: SchemaDef } };
  in?: { _zod: { def: SchemaDef } };
}

/** The keys an object schema allows at a path, for did-you-mean on an unknown key. */
function keysAt(schema: z.ZodType, path: YamlPath): string[] {
  let def = (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
  const unwrap = () => {
    for (let guard = 0; guard < 10; guard++) {
      const inner = def.innerType ?? def.in;
      if (!inner) return;
      def = inner._zod.def;
    }
  };
  unwrap();
  for (const segment of path) {
    if (def.type === 'object' && def.shape) {
      const next = def.shape[String(segment)] as { _zod: { def: SchemaDef } } | undefined;
      if (!next) return [];
      def = next._zod.def;
    } else if (def.type === 'array' && def.element) {
      def = def.element._zod.def;
    } else return [];
    unwrap();
  }
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

function describeType(expected: string): string {
  const words: Record<string, string> = {
    string: 'text',
    number: 'a number',
    int: 'a whole number',
    array: 'a list',
    object: 'a set of keys',
    boolean: 'true or false',
  };
  return words[expected] ?? expected;
}

export function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object' && value !== null) return 'a set of keys';
  if (typeof value === 'string') return `the text ${JSON.stringify(value)}`;
  return `${typeof value === 'number' ? 'the number' : typeof value === 'boolean' ? 'the value' : typeof value} ${String(value)}`;
}

function describeFormat(format: string, key: string): string {
  if (format === 'email') return 'a valid email address';
  if (key === 'start' || key === 'end') return 'a 24-hour time like "09:30"';
  if (format === 'regex') return 'an id of lower-case letters, digits and hyphens (like "mental-health")';
  return `a valid ${format}`;
}
