/**
 * Characters that text in front matter must not hold, and what the writers do with them anyway.
 * YAML's double-quoted strings can carry any of them ("\r", "\x07", "\uD800"), and each output
 * reads one of them as structure: a bare CR ends an iCalendar line, XML 1.0 cannot carry C0
 * controls or lone surrogates at all.
 */

/** C0 controls except tab and line feed (CR included), DEL, and the C1 controls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this pattern's job
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const CONTROLS = new RegExp(CONTROL.source, 'g');
/** Half of a UTF-16 pair without its other half: not a character, so no encoding can write it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/** The first character `check` refuses in a front-matter string, with its offset, or undefined. */
export function firstForbiddenCharacter(
  text: string,
): { char: string; kind: 'control' | 'surrogate' } | undefined {
  const control = CONTROL.exec(text);
  const surrogate = LONE_SURROGATE.exec(text);
  if (control && (!surrogate || control.index < surrogate.index))
    return { char: control[0], kind: 'control' };
  if (surrogate) return { char: surrogate[0], kind: 'surrogate' };
  return undefined;
}

/** `U+000D`: how a problem names a character nobody can see. */
export function codePointName(char: string): string {
  return `U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Text of several lines: CR LF and bare CR become LF; other controls go; a lone surrogate becomes U+FFFD. */
export function multiLineText(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(CONTROLS, '').replace(LONE_SURROGATES, '\uFFFD');
}

/** Text of one line: any line break becomes a space; other controls go; a lone surrogate becomes U+FFFD. */
export function oneLineText(text: string): string {
  return multiLineText(text).replace(/[\n\u2028\u2029]+/g, ' ');
}
