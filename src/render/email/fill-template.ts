import type Handlebars from 'handlebars';

/**
 * The per-recipient pass over a laid-out email, without making Handlebars compile each email.
 * Compiling a 40-100 KB layout with ~100 statements cost ~35 ms per issue, a quarter of a cold
 * `check`; yet all that differs per recipient is a dozen `{{recipient.x}}` and `{{#if}}` statements
 * that every email of a template set shares.
 *
 * Handlebars copies text between statements out unchanged and reads only its leading and
 * trailing whitespace (standalone lines); a slot's `{{{slots.sN}}}` copies its value out unchanged.
 * So each run of text and slot markers between recipient statements has its interior (first to
 * last non-space character) swapped for a token; what is left (recipient statements, the same
 * whitespace around them, tokens) is the same for every email of a template set, so Handlebars
 * compiles it once per process; each token in its output becomes its run, slots filled in. It
 * is byte-identical to Handlebars on the whole layout when:
 * - every mustache is one whose full extent this module knows (slots, recipient fields, `if`,
 *   `else`, `/if`), none escaped with `\`; otherwise Handlebars compiles the layout itself;
 * - every slot a run names has a string value, and the token characters (private use U+E000,
 *   U+E001) are in neither the layout nor the recipient's fields, so each token in the output is
 *   one put in the template; otherwise that fill goes through the whole layout.
 * `__tests__/email-fill-fast.test.ts` compares both ways for every sample issue and corpus shape.
 */

export interface FillData {
  slots: Record<string, string>;
  recipient: Record<string, string>;
}

export type FillTemplate = (data: FillData) => string;

/**
 * A fill's output with the slots' values left out: `text`, and each value printed with its offset in
 * `text`. Put back, they are the fill's output. The checks read an email this way because the whole
 * of it, at 60-70 thousand characters with any beyond Latin-1, is over V8's 128 KB for an ordinary
 * heap object: making that string costs ten times what its pieces cost (a page mapped for it alone).
 */
export interface FilledApart {
  text: string;
  slots: { at: number; value: string }[];
}

export type FillApart = (data: FillData) => FilledApart;

/**
 * The fill's output in UTF-8, made from its pieces: the same bytes as the output joined and encoded,
 * as no piece boundary falls inside a surrogate pair (template text meets a slot at `{{{` or `}}}`),
 * except between two slots printed back to back, one ending and the next starting with half of one.
 */
export function utf8Of({ text, slots }: FilledApart): Buffer {
  const pieces: Buffer[] = [];
  let from = 0;
  for (const { at, value } of slots) {
    pieces.push(Buffer.from(text.slice(from, at)), Buffer.from(value));
    from = at;
  }
  pieces.push(Buffer.from(text.slice(from)));
  return Buffer.concat(pieces);
}

const OPEN = '\uE000';
const CLOSE = '\uE001';
const TOKEN = /\uE000([0-9a-z]+)\uE001/g;
const SLOT = /\{\{\{slots\.(s\d+)\}\}\}/y;
/** The statements left in the reduced template: `{{recipient.x}}`, `{{#if recipient.x}}`, `{{else}}`, `{{/if}}`. */
const RECIPIENT_STATEMENT = /\{\{(?:(?:#if )?recipient\.[A-Za-z]+|else|\/if)\}\}/y;

/** A run of the layout between recipient statements: text, and slot names at the odd indexes. */
type Run = string[];

/** A run with its slots left out: its text, and where in it each slot's value goes. */
interface HollowRun {
  text: string;
  slots: { name: string; at: number }[];
}

/** Reduced templates compiled, by options and text: one or two per template set. */
const compiled = new Map<string, HandlebarsTemplateDelegate>();
const MAX_COMPILED = 200;

export function compileFill(
  env: typeof Handlebars,
  layout: string,
  options: CompileOptions,
): { fill: FillTemplate; fillApart: FillApart; fast: boolean } {
  let full: HandlebarsTemplateDelegate | undefined;
  const fullFill: FillTemplate = (data) => {
    full ??= env.compile(layout, options);
    return full(data);
  };
  const wholeApart: FillApart = (data) => ({ text: fullFill(data), slots: [] });
  const reduced = reduceLayout(layout);
  if (!reduced) return { fill: fullFill, fillApart: wholeApart, fast: false };
  const small = compiledOnce(env, reduced.template, options);
  let hollows: HollowRun[] | undefined;
  const fillApart: FillApart = (data) => {
    if (!withoutTokenCharacters(data.recipient)) return wholeApart(data);
    hollows ??= reduced.runs.map(hollowed);
    const slots: FilledApart['slots'] = [];
    const text = withRuns(small(data), (index, offset) => {
      const hollow = hollows![index]!;
      for (const { name, at } of hollow.slots) {
        const value = data.slots[name];
        if (typeof value !== 'string') return undefined;
        slots.push({ at: offset + at, value });
      }
      return hollow.text;
    });
    return text === undefined ? wholeApart(data) : { text, slots };
  };
  // Every recipient of an email gets the same slots: its runs are filled in once, and again only if
  // the value of a slot they name differs from the one they were filled with.
  const named = slotNames(reduced.runs);
  let filledFrom: unknown[] | undefined;
  let filled: (string | undefined)[] = [];
  let complete = false;
  const fill: FillTemplate = (data) => {
    if (!withoutTokenCharacters(data.recipient)) return fullFill(data);
    if (!filledFrom || !sameValues(data.slots, named, filledFrom)) {
      filled = reduced.runs.map((run) => filledRun(run, data.slots));
      filledFrom = named.map((name) => data.slots[name]);
      complete = !filled.includes(undefined);
    }
    if (!complete) return fullFill(data);
    return withRuns(small(data), (index) => filled[index])!;
  };
  return { fill, fillApart, fast: true };
}

/**
 * The reduced template's output with each token replaced by its run, joined as Handlebars joins its
 * output; undefined if a run is. `runAt` is given the run's index and the output's length before it.
 */
function withRuns(
  output: string,
  runAt: (index: number, offset: number) => string | undefined,
): string | undefined {
  let joined = '';
  let from = 0;
  TOKEN.lastIndex = 0;
  for (let token = TOKEN.exec(output); token; token = TOKEN.exec(output)) {
    joined += output.slice(from, token.index);
    const run = runAt(Number.parseInt(token[1]!, 36), joined.length);
    if (run === undefined) return undefined;
    joined += run;
    from = TOKEN.lastIndex;
  }
  return joined + output.slice(from);
}

function hollowed(run: Run): HollowRun {
  let text = run[0]!;
  const slots: HollowRun['slots'] = [];
  for (let i = 1; i < run.length; i += 2) {
    slots.push({ name: run[i]!, at: text.length });
    text += run[i + 1]!;
  }
  return { text, slots };
}

function compiledOnce(env: typeof Handlebars, template: string, options: CompileOptions) {
  const key = `${JSON.stringify(options)}\0${template}`;
  let delegate = compiled.get(key);
  if (!delegate) {
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    delegate = env.compile(template, options);
    compiled.set(key, delegate);
  }
  return delegate;
}

/** The layout with each run's interior swapped for a token, or undefined if that is unsafe. */
function reduceLayout(layout: string): { template: string; runs: Run[] } | undefined {
  if (layout.includes(OPEN) || layout.includes(CLOSE)) return undefined;
  const runs: Run[] = [];
  let template = '';
  let runStart = 0;
  let run: Run = [];
  let textFrom = 0;
  for (let at = layout.indexOf('{{'); at !== -1; at = layout.indexOf('{{', textFrom)) {
    if (layout[at - 1] === '\\') return undefined;
    SLOT.lastIndex = at;
    const slot = SLOT.exec(layout);
    if (slot) {
      run.push(layout.slice(textFrom, at), slot[1]!);
      textFrom = SLOT.lastIndex;
      continue;
    }
    RECIPIENT_STATEMENT.lastIndex = at;
    if (!RECIPIENT_STATEMENT.test(layout)) return undefined;
    run.push(layout.slice(textFrom, at));
    template +=
      tokenized(layout.slice(runStart, at), run, runs) + layout.slice(at, RECIPIENT_STATEMENT.lastIndex);
    runStart = textFrom = RECIPIENT_STATEMENT.lastIndex;
    run = [];
  }
  run.push(layout.slice(textFrom));
  return { template: template + tokenized(layout.slice(runStart), run, runs), runs };
}

/** The run as the reduced template holds it: its leading and trailing whitespace around a token. */
function tokenized(written: string, run: Run, runs: Run[]): string {
  const first = written.search(/\S/);
  if (first === -1) return written;
  let last = written.length - 1;
  while (/\s/.test(written[last]!)) last--;
  const leading = first;
  const trailing = written.length - 1 - last;
  // The whitespace stays in the template, so it leaves the run's first and last text parts.
  run[0] = run[0]!.slice(leading);
  run[run.length - 1] = run[run.length - 1]!.slice(0, run[run.length - 1]!.length - trailing);
  runs.push(run);
  return `${written.slice(0, first)}${OPEN}${(runs.length - 1).toString(36)}${CLOSE}${written.slice(last + 1)}`;
}

/** The run with its slots' values, as `{{{slots.sN}}}` prints them; undefined if one is not a string. */
function filledRun(run: Run, slots: Record<string, string>): string | undefined {
  let out = run[0]!;
  for (let i = 1; i < run.length; i += 2) {
    const value = slots[run[i]!];
    if (typeof value !== 'string') return undefined;
    out += value + run[i + 1]!;
  }
  return out;
}

/** Each slot name the runs print, once. */
function slotNames(runs: Run[]): string[] {
  const names = new Set<string>();
  for (const run of runs) for (let i = 1; i < run.length; i += 2) names.add(run[i]!);
  return [...names];
}

function sameValues(values: Record<string, string>, names: string[], before: unknown[]): boolean {
  for (let i = 0; i < names.length; i++) if (values[names[i]!] !== before[i]) return false;
  return true;
}

function withoutTokenCharacters(values: Record<string, string>): boolean {
  for (const value of Object.values(values)) {
    if (typeof value === 'string' && (value.includes(OPEN) || value.includes(CLOSE))) return false;
  }
  return true;
}
