import Handlebars from 'handlebars';

/**
 * Content enters the templates only through slots. In the once-per-issue pass a slot prints as a
 * marker (`{{{slots.s12}}}`); MJML compiles around the markers; the per-recipient pass fills them
 * from data. So no title, article or link is ever Handlebars or MJML source, whatever it contains,
 * and a template that forgets to escape cannot leak raw content either.
 */
export class Slot {
  constructor(private readonly marker: string) {}
  toHTML(): string {
    return this.marker;
  }
  toString(): string {
    return this.marker;
  }
}

export type Mode = 'html' | 'text';

/** A slot's marker as it appears in the per-issue pass's output; group 1 is its number. */
export const SLOT_MARKER = /\{\{\{slots\.s(\d+)\}\}\}/;

/** Hands out slots for one rendering (HTML or text) and keeps their final values. */
export class SlotTable {
  readonly values: Record<string, string> = {};
  private next = 0;

  constructor(readonly mode: Mode) {}

  /** Plain text content: HTML-escaped in the HTML part, as written in the text part. */
  text(value: string): Slot {
    return this.put(this.mode === 'html' ? bracesAsEntities(Handlebars.escapeExpression(value)) : value);
  }

  /** Content with a sanitized-HTML form and a plain-text form. */
  rich(html: string, text: string): Slot {
    return this.put(this.mode === 'html' ? bracesAsEntities(html) : text);
  }

  get count(): number {
    return this.next;
  }

  private put(value: string): Slot {
    const name = `s${this.next++}`;
    this.values[name] = value;
    return new Slot(`{{{slots.${name}}}}`);
  }
}

/**
 * In HTML, content's `{` is written `&#123;` (the same character to every reader), so the built
 * email.html never holds a `{{` that came from content: only the template's own placeholders.
 */
function bracesAsEntities(html: string): string {
  return html.includes('{') ? html.replace(/\{/g, '&#123;') : html;
}

/** The fields a dispatcher fills per recipient. */
export const recipientFields = [
  'name',
  'email',
  'unsubscribeUrl',
  'preferencesUrl',
  'viewOnlineUrl',
  'listName',
  'subscribedOn',
] as const;
export type RecipientField = (typeof recipientFields)[number];

/** In the per-issue pass `{{recipient.name}}` prints the per-recipient expression itself. */
export function recipientMarkers(): Record<RecipientField, Slot> {
  return Object.fromEntries(recipientFields.map((f) => [f, new Slot(`{{recipient.${f}}}`)])) as Record<
    RecipientField,
    Slot
  >;
}
