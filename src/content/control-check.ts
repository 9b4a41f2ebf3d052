import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { at, problem } from '../diagnostics/problem.js';
import { codePointName, firstForbiddenCharacter } from './control-characters.js';
import type { FrontMatterFile } from './front-matter.js';
import { keyName } from './validate.js';
import { placeOfPath, type YamlPath } from './yaml-place.js';

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
      if (found) problems.push(controlProblem(file, path, found.char, found.kind));
    } else if (Array.isArray(value)) {
      for (const [index, entry] of value.entries()) visit(entry, [...path, index]);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, entry] of Object.entries(value)) visit(entry, [...path, key]);
    }
  };
  visit(file.data, []);
  return problems;
}

function controlProblem(
  file: FrontMatterFile,
  path: YamlPath,
  char: string,
  kind: 'control' | 'surrogate',
): Diagnostic {
  return problem('control-character', at(file.source, placeOfPath(file, path)), {
    field: keyName(path),
    char,
    codePoint: codePointName(char),
    kind,
  });
}

/** A one-line field with a CR is one mistake, already reported as `multiline-text` at the same place. */
export function withoutRepeatedLineBreaks(problems: readonly Diagnostic[]): Diagnostic[] {
  const place = (p: Diagnostic) => `${p.file}:${p.line}:${p.column}`;
  const lineBreaks = new Set(problems.filter((p) => p.code === 'multiline-text').map(place));
  return problems.filter((p) => p.code !== 'control-character' || !lineBreaks.has(place(p)));
}
