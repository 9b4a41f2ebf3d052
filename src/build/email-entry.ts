import type { EmailLayout } from '../render/email/compile.js';
import type { RenderedBody, RenderedIssue } from '../render/rendered-issue.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';

/**
 * An email cache entry as written (email-cache.ts): the slots whose value is a form of one of the
 * issue's bodies (its email HTML or its text: most of an email's content) are named by where that
 * form is, not written out. The render cache holds them already, and the entry's key says which
 * rendering: it is the one a hit is read with. They were half of each entry (66 of 124 KB for an
 * issue of the test corpus).
 */
export interface StoredEmail {
  /** The layout, each named slot's value left empty in its place (slot order is part of the email's hash). */
  layout: EmailLayout;
  /** Slot name -> the place of the form it holds (`items.3.emailHtml`). */
  fromRendering: { html: Record<string, string>; text: Record<string, string> };
  problems: Diagnostic[];
}

/** An entry as the cache gives it: the email's layout whole. */
interface Entry {
  layout: EmailLayout;
  problems: Diagnostic[];
}

/** Slot values shorter than this are written out: a form's place would save little. */
const NAMED_FROM = 256;

/** The forms of a body an email's slots hold: its HTML for the email, and its text. */
const FORMS = ['emailHtml', 'text'] as const;

/** Slot names as the slot table gives them (slots.ts); any other name in a file is not an entry. */
const SLOT_NAME = /^s\d+$/;

export function stored({ layout, problems }: Entry, rendered: RenderedIssue): StoredEmail {
  const places = new Map<string, string>();
  for (const [where, body] of bodiesOf(rendered))
    for (const form of FORMS)
      if (body[form].length >= NAMED_FROM && !places.has(body[form]))
        places.set(body[form], `${where}.${form}`);
  const apart = (slots: Record<string, string>) => {
    const written: Record<string, string> = {};
    const named: Record<string, string> = {};
    for (const [slot, value] of Object.entries(slots)) {
      const place = value.length >= NAMED_FROM ? places.get(value) : undefined;
      written[slot] = place === undefined ? value : '';
      if (place !== undefined) named[slot] = place;
    }
    return { written, named };
  };
  const html = apart(layout.html.slots);
  const text = apart(layout.text.slots);
  return {
    layout: {
      ...layout,
      html: { layout: layout.html.layout, slots: html.written },
      text: { layout: layout.text.layout, slots: text.written },
    },
    fromRendering: { html: html.named, text: text.named },
    problems,
  };
}

/** The entry with its named slots filled from `rendered`; a place it lacks makes the entry a miss. */
export function restored(
  { layout, fromRendering, problems }: StoredEmail,
  rendered: RenderedIssue,
): Entry | undefined {
  const forms = new Map<string, string>();
  for (const [where, body] of bodiesOf(rendered))
    for (const form of FORMS) forms.set(`${where}.${form}`, body[form]);
  const filled = (slots: Record<string, string>, named: Record<string, string>) => {
    // Filled in place: each slot keeps its position, as the email's approval hash reads them in order.
    const all = { ...slots };
    for (const [slot, place] of Object.entries(named)) {
      const value = forms.get(place);
      if (value === undefined) return undefined;
      all[slot] = value;
    }
    return all;
  };
  const html = filled(layout.html.slots, fromRendering.html);
  const text = filled(layout.text.slots, fromRendering.text);
  if (!html || !text) return undefined;
  return {
    layout: {
      ...layout,
      html: { layout: layout.html.layout, slots: html },
      text: { layout: layout.text.layout, slots: text },
    },
    problems,
  };
}

/** An entry's shape, as far as `restored` and the outputs rely on it (a cache file may be anything). */
export function isStoredEmail(value: unknown): value is StoredEmail {
  const entry = value as Partial<StoredEmail>;
  const part = (p: unknown) => {
    const { layout, slots } = (p ?? {}) as { layout?: unknown; slots?: unknown };
    return typeof layout === 'string' && isSlotTable(slots);
  };
  const layout = entry.layout as Partial<EmailLayout> | null | undefined;
  return (
    typeof layout === 'object' &&
    layout !== null &&
    ['date', 'subject', 'preheader', 'url'].every(
      (field) => typeof layout[field as keyof EmailLayout] === 'string',
    ) &&
    part(layout.html) &&
    part(layout.text) &&
    Array.isArray(layout.contents) &&
    Array.isArray(entry.problems) &&
    namesOnly(entry.fromRendering?.html, layout.html!.slots) &&
    namesOnly(entry.fromRendering?.text, layout.text!.slots)
  );
}

/** Slot name -> string, every name a slot's. */
function isSlotTable(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.entries(value).every(([name, text]) => SLOT_NAME.test(name) && typeof text === 'string')
  );
}

/** Named slots that are each a slot of `slots` (left empty there), each named by a string. */
function namesOnly(named: unknown, slots: Record<string, string>): boolean {
  return isSlotTable(named) && Object.keys(named).every((name) => slots[name] === '');
}

function bodiesOf(rendered: RenderedIssue): [string, RenderedBody][] {
  return [
    ['lead', rendered.lead],
    ...(rendered.leadExcerpt ? [['leadExcerpt', rendered.leadExcerpt] as [string, RenderedBody]] : []),
    ...rendered.items.map(({ body }, index): [string, RenderedBody] => [`items.${index}`, body]),
  ];
}
