import { diagnose, type Diagnostic } from '../diagnostics/diagnostic.js';
import { codePointName, firstForbiddenCharacter } from './control-characters.js';
import type { FrontMatterFile } from './front-matter.js';
import { keyName } from './validate.js';
import { placeOfPath, type YamlPath } from './yaml-place.js';

const NAMED: Record<string, string> = {
  '\r': 'a carriage return',
  '\u0000': 'a null character',
  '\u001b': 'an escape character',
};
const HINTS = {
  control:
    'Remove it: in double quotes, delete the escape ("\\r", "\\x07", "\\u0000"); otherwise retype the text. ' +
    'For several lines, use a | block.',
  surrogate:
    'Remove the "\\u" escape, or write the character itself (an emoji can be typed or pasted as it is).',
};

/**
 * Every front-matter string holding a character no reader can see and some output reads as
 * structure: a bare CR ends a line of `meetings.ics`, XML cannot carry U+0001 at all. Line feeds
 * and tabs are text (a `|` block has them); the schema says where a line feed is not allowed.
 */
export function controlCharacterProblems(file: FrontMatterFile): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const visit = (value: unknown, path: YamlPath) => {
    if (typeof value === 'string') {
      const found = firstForbiddenCharacter(value);
      if (found) problems.push(problem(file, path, found.char, found.kind));
    } else if (Array.isArray(value)) {
      for (const [index, entry] of value.entries()) visit(entry, [...path, index]);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, entry] of Object.entries(value)) visit(entry, [...path, key]);
    }
  };
  visit(file.data, []);
  return problems;
}

function problem(
  file: FrontMatterFile,
  path: YamlPath,
  char: string,
  kind: 'control' | 'surrogate',
): Diagnostic {
  const Name = capitalise(keyName(path));
  const described = kind === 'surrogate' ? 'half of a character' : (NAMED[char] ?? 'a control character');
  const what = `${described} (${codePointName(char)})`;
  const message = `${Name} contains ${what}, which no reader can see, and calendars and feeds cannot carry as written.`;
  return diagnose(file.source, placeOfPath(file, path), 'control-character', message, HINTS[kind]);
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** A one-line field with a CR is one mistake, already reported as `multiline-text` at the same place. */
export function withoutRepeatedLineBreaks(problems: readonly Diagnostic[]): Diagnostic[] {
  const place = (p: Diagnostic) => `${p.file}:${p.line}:${p.column}`;
  const lineBreaks = new Set(problems.filter((p) => p.code === 'multiline-text').map(place));
  return problems.filter((p) => p.code !== 'control-character' || !lineBreaks.has(place(p)));
}
