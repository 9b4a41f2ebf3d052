import Handlebars from 'handlebars';

/**
 * The per-recipient pass over a laid-out email, compiled without making Handlebars read the whole
 * email. Compiling a 40-100 KB layout (parsing it, then generating and compiling a JS function
 * that holds it as string literals) cost ~34 ms per issue, a quarter of a cold `check`.
 *
 * Handlebars treats text between mustaches as content it copies out unchanged; all it reads of a
 * content run is its leading and trailing whitespace (standalone lines, `~`). So each run's
 * interior (from its first to its last non-space character) is swapped for a short token,
 * Handlebars compiles that much smaller template with the same statements and the same whitespace
 * around them, and the tokens in its output are swapped back. Byte-identical by construction when:
 * - every mustache is one this module knows the full extent of (slots, recipient fields, `if`,
 *   `else`), none escaped with `\` (anything else: Handlebars compiles the layout itself);
 * - the token characters (private use U+E000, U+E001) appear in neither the layout, the slot values
 *   nor the recipient's fields, so every token in the output is one this module put in the
 *   template (otherwise that fill, or all of them, goes through the full template).
 * `__tests__/email-fill-fast.test.ts` compares both ways for every sample issue and corpus shape.
 */

export type FillTemplate = (data: {
  slots: Record<string, string>;
  recipient: Record<string, string>;
}) => string;

const OPEN = '\uE000';
const CLOSE = '\uE001';
const TOKEN = /\uE000([0-9a-z]+)\uE001/g;
/** The mustaches a layout's fill holds: `{{{slots.s12}}}`, `{{recipient.x}}`, `{{#if recipient.x}}`... */
const KNOWN_MUSTACHE = /\{\{(?:\{slots\.s\d+\}\}\}|(?:#if )?recipient\.[A-Za-z]+\}\}|else\}\}|\/if\}\})/y;
/** Interiors shorter than this stay: a token saves nothing on them. */
const WORTH_A_TOKEN = 24;

export function compileFill(
  env: typeof Handlebars,
  layout: string,
  options: CompileOptions,
): { fill: FillTemplate; fast: boolean } {
  let full: HandlebarsTemplateDelegate | undefined;
  const fullFill: FillTemplate = (data) => {
    full ??= env.compile(layout, options);
    return full(data);
  };
  const reduced = reduceLayout(layout);
  if (!reduced) return { fill: fullFill, fast: false };
  const small = env.compile(reduced.template, options);
  const restore = (output: string) =>
    output.replace(TOKEN, (_token, index: string) => reduced.interiors[Number.parseInt(index, 36)]!);
  let slotsChecked: Record<string, string> | undefined;
  const fill: FillTemplate = (data) => {
    if (data.slots !== slotsChecked) {
      if (!withoutTokenCharacters(data.slots)) return fullFill(data);
      slotsChecked = data.slots;
    }
    return withoutTokenCharacters(data.recipient) ? restore(small(data)) : fullFill(data);
  };
  return { fill, fast: true };
}

/** The layout with each content run's interior swapped for a token, or undefined if that is unsafe. */
function reduceLayout(layout: string): { template: string; interiors: string[] } | undefined {
  if (layout.includes(OPEN) || layout.includes(CLOSE)) return undefined;
  const interiors: string[] = [];
  let template = '';
  let from = 0;
  for (let at = layout.indexOf('{{'); at !== -1; at = layout.indexOf('{{', from)) {
    if (layout[at - 1] === '\\') return undefined;
    KNOWN_MUSTACHE.lastIndex = at;
    if (!KNOWN_MUSTACHE.test(layout)) return undefined;
    template += tokenized(layout.slice(from, at), interiors) + layout.slice(at, KNOWN_MUSTACHE.lastIndex);
    from = KNOWN_MUSTACHE.lastIndex;
  }
  return { template: template + tokenized(layout.slice(from), interiors), interiors };
}

function tokenized(content: string, interiors: string[]): string {
  const first = content.search(/\S/);
  if (first === -1) return content;
  let last = content.length - 1;
  while (/\s/.test(content[last]!)) last--;
  if (last + 1 - first < WORTH_A_TOKEN) return content;
  interiors.push(content.slice(first, last + 1));
  const token = `${OPEN}${(interiors.length - 1).toString(36)}${CLOSE}`;
  return content.slice(0, first) + token + content.slice(last + 1);
}

function withoutTokenCharacters(values: Record<string, string>): boolean {
  for (const value of Object.values(values)) {
    if (typeof value === 'string' && (value.includes(OPEN) || value.includes(CLOSE))) return false;
  }
  return true;
}
