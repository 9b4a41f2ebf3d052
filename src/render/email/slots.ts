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

/** A slot's marker as it appears in the per-issue pass's output; group 1 is its number. */
export const SLOT_MARKER = /\{\{\{slots\.s(\d+)\}\}\}/;

/**
 * Hands out slots for one issue's email and keeps each slot's value in both parts: one view model
 * serves the HTML and the text template, whose markers are then the same (making the view model
 * twice, once per part, was a tenth of laying out an email).
 */
export class SlotTable {
  readonly html: Record<string, string> = {};
  readonly text: Record<string, string> = {};
  private next = 0;

  /**
   * Plain text content: HTML-escaped in the HTML part, as written in the text part (or as
   * `inText` gives it there, such as a heading wrapped to the text part's width).
   */
  plain(value: string, inText = value): Slot {
    return this.put(bracesAsEntities(Handlebars.escapeExpression(value)), inText);
  }

  /** Content with a sanitized-HTML form and a plain-text form. */
  rich(html: string, text: string): Slot {
    return this.put(bracesAsEntities(html), text);
  }

  get count(): number {
    return this.next;
  }

  private put(html: string, text: string): Slot {
    const name = `s${this.next++}`;
    this.html[name] = html;
    this.text[name] = text;
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
