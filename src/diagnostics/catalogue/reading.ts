import { suggestion } from '../suggest.js';
import { capitalise, entry } from './entry.js';

/** Problems reading a file and its front matter. */
/** A date that is not one (content/fields.ts `isoDate`): its form, or the calendar (2018-02-30). */
type DateRule =
  | { case: 'date-form'; name: string; value: string }
  | { case: 'no-such-month'; name: string; value: string; month: string }
  | { case: 'no-such-day'; name: string; value: string; month: string; year: number; days: number };

/** The times of a meeting that do not fit together (content/kinds/meetings.ts). */
type MeetingRule =
  | { case: 'end-without-start'; name: string }
  | { case: 'ends-before-start'; name: string; start: string; end: string }
  | { case: 'time-without-date'; name: string };

export const readingEntries = {
  'file-unreadable': entry<{ reason: string } | { case: 'issue-folder'; folder: string; reason: string }>({
    means: 'Bulletin could not open the file: it is missing, or this user may not read it.',
    fix: 'Check the path, and the file permissions.',
    message: (p) =>
      'case' in p
        ? `Cannot read the issue folder ${p.folder} (${p.reason}).`
        : `Cannot read the file (${p.reason}).`,
    hint: (p) =>
      'case' in p
        ? 'Check that it is a folder (not a file or a broken link) and that you may read it.'
        : 'Check that it exists and that you may read it.',
    example: { reason: 'EACCES' },
  }),
  'file-empty': entry<Record<string, never>>({
    means: 'The file has no content at all, so it is not an item.',
    fix: 'Give it front matter and text, or delete it.',
    message: () => 'File is empty.',
    hint: () =>
      'Start it with front matter between two "---" lines (run `bulletin add <kind> <title>` for a skeleton), or delete it.',
    example: {},
  }),
  'file-too-large': entry<{ size: string; limit: string }>({
    means: 'The file is larger than a bulletin item may be; it is not read.',
    fix: 'Split it, or publish the long document elsewhere and link to it.',
    message: (p) => `File is ${p.size}; a bulletin file may be at most ${p.limit}.`,
    hint: () => 'Split it into several items, or publish the document elsewhere and link to it.',
    example: { size: '2.4 MiB', limit: '1 MiB' },
  }),
  'invalid-encoding': entry<Record<string, never>>({
    means: 'The file is not UTF-8 text; the place shown is the first byte that is not.',
    fix: 'Save the file as UTF-8.',
    message: () => 'File is not valid UTF-8.',
    hint: () =>
      'Save it as UTF-8 (in most editors: "Save with encoding" > UTF-8); text pasted from Word or an old system is the usual cause.',
    example: {},
  }),
  'frontmatter-missing': entry<{ case: 'absent' } | { case: 'unclosed' } | { case: 'late'; line: number }>({
    means:
      'An item starts with YAML front matter between two "---" lines; this one has none, or it is not closed.',
    fix: 'Start the file with "---", the keys, then a closing "---" line.',
    message: (p) =>
      p.case === 'absent'
        ? 'File has no front matter.'
        : p.case === 'unclosed'
          ? 'Front matter is not closed.'
          : `The front matter must start on the first line, but it starts on line ${p.line}.`,
    hint: (p) =>
      p.case === 'absent'
        ? 'Start the file with "---", then its YAML keys (kind, title, ...), then a closing "---" line.'
        : p.case === 'unclosed'
          ? 'Add a line of just "---" after the last YAML key.'
          : 'Delete the blank lines (and spaces) before the first "---".',
    example: { case: 'absent' },
  }),
  'frontmatter-language': entry<{ written: string }>({
    means:
      'The front matter is marked as another language (e.g. "---js"); Bulletin reads YAML only and never runs code.',
    fix: 'Write the front matter as YAML after a line of just "---".',
    message: (p) =>
      `Front matter in "${p.written}" is not allowed; Bulletin reads YAML front matter only and never runs code in content.`,
    hint: () => 'Write the front matter as YAML: start the file with a line of just "---".',
    example: { written: 'js' },
  }),
  'yaml-syntax': entry<
    { in: 'config'; detail: string } | { in: 'front-matter'; detail: string; hint?: string }
  >({
    means: 'The YAML (front matter or bulletin.config.yaml) cannot be parsed.',
    fix: 'Check quotes, colons and indentation at the place shown.',
    message: (p) => (p.in === 'config' ? `Syntax error: ${p.detail}` : `YAML syntax error: ${p.detail}.`),
    hint: (p) => (p.in === 'config' ? 'Check quotes and indentation.' : p.hint),
    example: { in: 'config', detail: 'Nested mappings are not allowed in compact mappings' },
  }),
  'unknown-key': entry<{ key: string; within?: string; known: string[] }>({
    means: 'The front matter (or config) has a key Bulletin does not know, often a misspelling.',
    fix: 'Correct the spelling or indentation, or remove the key.',
    message: (p) =>
      `Unknown key "${p.key}"${p.within ? ` in ${p.within}` : ''}.${suggestion(p.key, p.known)}`,
    hint: (p) =>
      p.known.length
        ? `Known keys here: ${p.known.join(', ')}.`
        : `Remove "${p.key}", or check its spelling and indentation.`,
    example: { key: 'programe', known: ['kind', 'title', 'programme', 'order'] },
  }),
  'missing-key': entry<
    | { case: 'absent' | 'no-value' | 'empty'; name: string; help?: string }
    | { case: 'kind'; kinds: readonly string[] }
  >({
    means: 'A key this item needs is absent, or has no value.',
    fix: 'Add the key with a value.',
    message: (p) =>
      p.case === 'kind'
        ? 'Missing "kind".'
        : p.case === 'absent'
          ? `Missing ${p.name}.`
          : p.case === 'no-value'
            ? `${p.name} has no value.`
            : `${capitalise(p.name)} is empty.`,
    hint: (p) => {
      if (p.case === 'kind') return `Add \`kind:\` with one of ${p.kinds.join(', ')}.`;
      if (p.case === 'empty')
        return p.help ? `Write ${p.help}.` : `Write a value for ${p.name}, or remove the key.`;
      return p.help ? `Add ${p.help}.` : `Add a value for ${p.name}.`;
    },
    example: {
      case: 'absent',
      name: '"title"',
      help: 'a headline on one line, e.g. `title: Stroke programme`',
    },
  }),
  'invalid-type': entry<
    | { at: 'root'; expected: string; actual: string; item: boolean }
    | { at: 'key'; name: string; expected: string; actual: string; help?: string; text: boolean }
  >({
    means: 'A value is of the wrong sort: a list where one value belongs, a number where text belongs.',
    fix: 'Write the value in the form the key expects.',
    message: (p) =>
      `${p.at === 'root' ? 'The front matter' : capitalise(p.name)} should be ${p.expected}, but it is ${p.actual}.`,
    hint: (p) => {
      if (p.at === 'root') {
        return p.item
          ? 'Write one `key: value` per line between the "---" lines, starting with `kind:` and `title:` (no "-" in front of the keys).'
          : 'Write one `key: value` per line between the "---" lines (no "-" in front of the keys).';
      }
      if (p.help) return `Write ${p.help}.`;
      return p.text ? 'Put the value in double quotes.' : `Write ${p.expected} here.`;
    },
    example: { at: 'key', name: '"order"', expected: 'a number', actual: 'text ("first")', text: false },
  }),
  'invalid-value': entry<
    | { case: 'one-of'; name: string; values: string[]; given: string; help?: string }
    | { case: 'too-few'; name: string; minimum: number; help?: string }
    | { case: 'too-small'; name: string; help?: string }
    | { case: 'too-long'; name: string; maximum: number; unit: 'characters' | 'entries'; summary: boolean }
    | { case: 'format'; name: string; format: string; value: string; help?: string }
    | DateRule
    | MeetingRule
    | { case: 'other'; name: string; detail: string; help?: string }
  >({
    means: 'A value has the right sort but is not allowed: not one of the choices, too long, not a date.',
    fix: 'Correct the value as the hint says.',
    message: (p) => {
      const Name = capitalise(p.name);
      if (p.case === 'date-form') return `${Name}: "${p.value}" is not a date written YYYY-MM-DD.`;
      if (p.case === 'no-such-month')
        return `${Name}: "${p.value}" is not a real date: there is no month ${p.month}.`;
      if (p.case === 'no-such-day')
        return `${Name}: "${p.value}" is not a real date: ${p.month} ${p.year} has ${p.days} days.`;
      if (p.case === 'end-without-start') return `${Name}: A meeting with an end time needs a start time.`;
      if (p.case === 'ends-before-start')
        return `${Name}: The meeting ends (${p.end}) before it starts (${p.start}).`;
      if (p.case === 'time-without-date') return `${Name}: A meeting with a time needs a date.`;
      // A rule of zod's that no case above words (none of the schemas' own rules).
      if (p.case === 'other') return `${Name}: ${p.detail}`;
      if (p.case === 'one-of')
        return `${Name} must be one of ${p.values.join(', ')}.${suggestion(p.given, p.values)}`;
      if (p.case === 'too-few')
        return `${Name} needs at least ${p.minimum} entr${p.minimum === 1 ? 'y' : 'ies'}.`;
      if (p.case === 'too-small') return `${Name} is too small.`;
      if (p.case === 'too-long') return `${Name} is too long: at most ${p.maximum} ${p.unit}.`;
      return `${Name} is not ${p.format}: ${p.value}.`;
    },
    hint: (p) => {
      if (p.case === 'date-form' || p.case === 'no-such-month' || p.case === 'no-such-day')
        return 'Write the date as YYYY-MM-DD, for example 2018-05-11, without quotes.';
      if (p.case === 'end-without-start') return 'Add `start: "HH:MM"`, or remove `end`.';
      if (p.case === 'ends-before-start') return 'Times are 24-hour HH:MM; check both.';
      if (p.case === 'time-without-date') return 'Add `date: YYYY-MM-DD`, or remove the times.';
      if (p.case === 'other') return p.help ? `Write ${p.help}.` : `Check the value of ${p.name}.`;
      if (p.case === 'too-long') {
        return p.summary
          ? 'Mail apps show about 100 characters of the preheader; shorten it to one sentence.'
          : `Shorten ${p.name}.`;
      }
      if (p.help) return `Write ${p.help}.`;
      if (p.case === 'one-of') return `Write one of ${p.values.join(', ')}.`;
      if (p.case === 'too-few')
        return `Add at least ${String(p.minimum)} entr${p.minimum === 1 ? 'y' : 'ies'} to ${p.name}.`;
      if (p.case === 'too-small') return `Use a larger value for ${p.name}.`;
      return `Write ${p.format}.`;
    },
    example: {
      case: 'one-of',
      name: '"kind"',
      values: ['network', 'programme', 'news', 'meetings'],
      given: 'newz',
    },
  }),
  'unknown-kind': entry<{ kind: string; kinds: readonly string[] }>({
    means: "The item's `kind:` is not one of the kinds of item a bulletin has.",
    fix: 'Use one of the kinds listed in the hint.',
    message: (p) => `Unknown kind "${p.kind}".${suggestion(p.kind, p.kinds)}`,
    hint: (p) => `The kinds are ${p.kinds.join(', ')}.`,
    example: { kind: 'newz', kinds: ['network', 'programme', 'news', 'meetings'] },
  }),
  'unknown-programme': entry<{ value: string; guess?: string; known: string[] }>({
    means: 'The item names a programme id that bulletin.config.yaml does not list.',
    fix: 'Use an id from `programmes:` in bulletin.config.yaml, or add the programme there.',
    message: (p) => `Unknown programme "${p.value}".${p.guess ? ` Did you mean "${p.guess}"?` : ''}`,
    hint: (p) =>
      `Use an id from the programmes in bulletin.config.yaml (${p.known.join(', ')}), or add it there.`,
    example: { value: 'strok', guess: 'stroke', known: ['stroke', 'carers'] },
  }),
  'unknown-place': entry<{ value: string; guess?: string; known: string[] }>({
    means: 'The item names a place id that bulletin.config.yaml does not list.',
    fix: 'Use an id from `places:` in bulletin.config.yaml, or add the place there.',
    message: (p) => `Unknown place "${p.value}".${p.guess ? ` Did you mean "${p.guess}"?` : ''}`,
    hint: (p) =>
      `Use an id from the places in bulletin.config.yaml (${p.known.join(', ')}), or add it there.`,
    example: { value: 'Leeds', guess: 'leeds', known: ['calderdale', 'leeds'] },
  }),
  'multiline-text': entry<{ name: string }>({
    means:
      'Text shown on one line (a title, a name, a subject) contains a line break, which could forge mail headers.',
    fix: 'Write the text on one line.',
    message: (p) => `${capitalise(p.name)}: This text must be on one line, but it contains a line break.`,
    hint: () =>
      'Write it on one line: remove the line break (a \\n or \\r inside quotes, or a | or > block).',
    example: { name: '"title"' },
  }),
};
