import { z } from 'zod';
import { contact, link, oneLine, ref } from '../fields.js';
import { yamlLibrary } from '../yaml-library.js';

/**
 * What one kind of item is, as data. The table lives in the content layer, the lowest one that
 * knows what a bulletin is, so it may hold only data and names: how a kind is *shown* is chosen by
 * `presents`, and the render and archive layers (which may import this, never the reverse) look
 * up their behaviour by that name. A new kind that is shown like an existing one is therefore one
 * file here plus its line in `kinds/index.ts`; only a new way of being shown touches the templates.
 */
export interface KindSpec<Kind extends string = string, Schema extends z.ZodType = z.ZodType> {
  kind: Kind;
  /** Its front matter. Strict: an unknown key is an error with a did-you-mean. */
  schema: Schema;
  /**
   * How its items are shown. `prose`: a titled article in the kind's section of "this week" (the
   * email partial `item`, a section of the archive page, the feeds' text, the text part's check
   * that every title is there). `calendar`: its entries (`meetings:`) are merged with every other
   * calendar item's, by day, under the kind's section title at the end of the email (partial
   * `meetings`) and of the archive page, and exported to `meetings.ics` and `calendar.ics`.
   */
  presents: 'prose' | 'calendar';
  /** The title `bulletin check` suggests when the config has no section for the kind. */
  sectionTitle: string;
  /** Whether the item belongs to one programme, named in `programme:` (and `add --programme`). */
  ownProgramme: boolean;
  /**
   * One file per issue with this name, which `bulletin new` writes and `bulletin add` adds to:
   * for kinds whose entries are gathered, not written one per file.
   */
  oneFile?: { name: string; addHint: string };
  /** The valid front matter and body `bulletin add` (and `new`, for a `oneFile` kind) writes. */
  skeleton(options: { title: string; date: string; programme?: string | undefined }): string;
}

/** The keys every kind accepts; a kind adds its own with `itemSchema`. */
export const itemFields = {
  title: oneLine,
  order: z.number().int().optional(),
  places: z.array(ref).optional(),
  programmes: z.array(ref).optional(),
  contact: contact.optional(),
  links: z.array(link).optional(),
};

export function itemSchema<Kind extends string, Extra extends z.ZodRawShape>(kind: Kind, extra: Extra) {
  return z.strictObject({ kind: z.literal(kind), ...itemFields, ...extra });
}

/** A skeleton with TK where a person must write, so `bulletin check` warns at each gap. */
export function proseSkeleton(front: Record<string, unknown>): string {
  return `---\n${yamlLibrary().stringify(front, { lineWidth: 0 })}---\nTK the text of this item.\n`;
}
