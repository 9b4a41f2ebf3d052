import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isErrno, MISSING } from '../../support/errors.js';
import { TemplateError } from './templates.js';

/** One of MJML's validation errors (mjml-validator's `ruleError`). */
export interface MjmlError {
  line?: number;
  tagName?: string;
  message: string;
  formattedMessage: string;
}

/**
 * MJML's validation errors as one template error a person can act on. MJML numbers the lines of the
 * MJML the templates made for one issue, not of a template, names the templates folder as the file,
 * and repeats a mistake for every item a loop lays out. So each mistake is said once, with the lines
 * MJML saw it on, and the first one is looked for in the template files by what it names: an
 * attribute on a tag (`<mj-column bogus="1">`), or a tag written only once. When it is found there,
 * the error points at it; otherwise at the email template.
 */
export function mjmlRejection(templatesDir: string, errors: readonly MjmlError[]): TemplateError {
  const mistakes = new Map<string, { tagName?: string; message: string; lines: number[] }>();
  for (const error of errors) {
    const key = `${error.tagName ?? ''}\n${error.message}`;
    const mistake = mistakes.get(key) ?? { tagName: error.tagName, message: error.message, lines: [] };
    if (error.line !== undefined) mistake.lines.push(error.line);
    mistakes.set(key, mistake);
  }
  const said = [...mistakes.values()].map(({ tagName, message, lines }) => {
    const where = lines.length === 0 ? '' : ` (${linesText(lines)} of the MJML the templates made)`;
    return `${tagName ? `${tagName}: ` : ''}${message}${where}`;
  });
  const first = [...mistakes.values()][0];
  const found = first?.tagName ? findInTemplates(templatesDir, first.tagName, first.message) : undefined;
  return new TemplateError(
    found?.file ?? join(templatesDir, 'email', 'email.mjml.hbs'),
    `MJML rejected the email layout: ${said.join('; ')}`,
    found ? { at: { text: found.text, offset: found.offset } } : {},
  );
}

function linesText(lines: readonly number[]): string {
  if (lines.length === 1) return `line ${lines[0]}`;
  const shown = lines.slice(0, 3).join(', ');
  return lines.length > 3 ? `lines ${shown} and ${lines.length - 3} more` : `lines ${shown}`;
}

/** The email template, then its partials, as written. */
function templateFiles(templatesDir: string): { file: string; text: string }[] {
  const partials = join(templatesDir, 'email', 'partials');
  let names: string[] = [];
  try {
    names = readdirSync(partials)
      .filter((name) => name.endsWith('.hbs'))
      .sort();
  } catch (error) {
    // No partials folder: the email template alone (loading the templates said so if it mattered).
    if (!isErrno(error, ...MISSING)) throw error;
  }
  const files = [join(templatesDir, 'email', 'email.mjml.hbs'), ...names.map((name) => join(partials, name))];
  return files.flatMap((file) => {
    try {
      return [{ file, text: readFileSync(file, 'utf8') }];
    } catch (error) {
      // Gone or unreadable since the templates were loaded: not searched.
      if (!isErrno(error, ...MISSING, 'EACCES', 'EISDIR')) throw error;
      return [];
    }
  });
}

const ATTRIBUTE_MISTAKE = /^Attributes? ([^\s,]+).*?(?:is illegal|are illegal|has invalid value)/;

/**
 * Where the template files write the mistake: the attribute an attribute error names, on the tag it
 * names (the first such place), or the tag itself when the templates write it once and only once.
 */
function findInTemplates(
  templatesDir: string,
  tagName: string,
  message: string,
): { file: string; text: string; offset: number } | undefined {
  const files = templateFiles(templatesDir);
  const tag = escapeRegExp(tagName);
  const attribute = ATTRIBUTE_MISTAKE.exec(message)?.[1];
  if (attribute) {
    const written = new RegExp(`<${tag}\\b[^>]*?\\s(${escapeRegExp(attribute)})\\s*=`, 'd');
    for (const { file, text } of files) {
      const match = written.exec(text);
      if (match?.indices?.[1]) return { file, text, offset: match.indices[1][0] };
    }
    return undefined;
  }
  const opened = new RegExp(`<${tag}(?=[\\s/>])`, 'g');
  const places = files.flatMap(({ file, text }) =>
    [...text.matchAll(opened)].map((match) => ({ file, text, offset: match.index })),
  );
  return places.length === 1 ? places[0] : undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
