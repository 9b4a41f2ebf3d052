import { decodeHTMLAttribute, escapeAttribute } from 'entities';
import type { EmailLayout } from '../render/email/compile.js';
import type { ClickLink } from './click-store.js';
import { clickSignature, linkIdFor } from './click-signature.js';

export interface ClickRewrite {
  /** Where `/r/` is served: the site's base address, ending in `/`. */
  base: string;
  /** The key that signs each link (BULLETIN_SECRET). */
  secret: string;
  /** The item each address was written in (a link target's address and source file), first one kept. */
  sources: readonly { url: string; file: string }[];
}

export interface TrackedEmail {
  layout: EmailLayout;
  /** The issue's link table, in the order the links first appear (HTML part, then text). */
  links: ClickLink[];
}

const HREF = /\bhref="([^"]*)"/g;
const SLOT_MARKER = /^\{\{\{slots\.(s\d+)\}\}\}$/;
/** A web address in plain text, up to white space or a bracket; trailing punctuation is not part of it. */
const TEXT_URL = /https?:\/\/[^\s<>"'()[\]{}]+[^\s<>"'()[\]{}.,;:!?]/g;

/**
 * Every http(s) link of an issue's laid-out email, in both parts, made to go through `/r/`:
 * `<base>r/<issue>/<link>?s=<signature>`. Once per issue, on the layout, before any recipient is
 * filled: the per-recipient fields (unsubscribe, preferences, view online) are markers here and stay
 * as they are, so every recipient's copy has the same link addresses and the fill costs what it did.
 * `mailto:` and other schemes are left alone, and so are images (they are not links).
 */
export function trackClicks(layout: EmailLayout, rewrite: ClickRewrite): TrackedEmail {
  const table = new LinkTable(layout.date, rewrite, layout.contents);
  const htmlSlots = { ...layout.html.slots };
  const htmlLayout = layout.html.layout.replace(HREF, (whole, value: string) => {
    const slot = SLOT_MARKER.exec(value)?.[1];
    if (slot && htmlSlots[slot] !== undefined) {
      // A whole attribute from content: the slot holds the escaped address.
      htmlSlots[slot] = escapeAttribute(table.tracked(decodeHTMLAttribute(htmlSlots[slot])));
      return whole;
    }
    return value.includes('{{')
      ? whole
      : `href="${escapeAttribute(table.tracked(decodeHTMLAttribute(value)))}"`;
  });
  const usedInHtml = slotsUsedIn(htmlLayout);
  for (const [name, value] of Object.entries(htmlSlots)) {
    // Rich content (an article's sanitized HTML) with links of its own.
    if (usedInHtml.has(name) && value.includes('href="'))
      htmlSlots[name] = value.replace(
        HREF,
        (_whole, href: string) => `href="${escapeAttribute(table.tracked(decodeHTMLAttribute(href)))}"`,
      );
  }
  const inText = (text: string) => text.replace(TEXT_URL, (url) => table.tracked(url));
  const usedInText = slotsUsedIn(layout.text.layout);
  const textSlots = Object.fromEntries(
    Object.entries(layout.text.slots).map(([name, value]) => [
      name,
      usedInText.has(name) ? inText(value) : value,
    ]),
  );
  return {
    layout: {
      ...layout,
      html: { layout: htmlLayout, slots: htmlSlots },
      text: { layout: inText(layout.text.layout), slots: textSlots },
    },
    links: table.links(),
  };
}

class LinkTable {
  private readonly byTarget = new Map<string, { link: ClickLink; address: string }>();
  private readonly itemOf = new Map<string, string>();

  constructor(
    private readonly issue: string,
    private readonly rewrite: ClickRewrite,
    contents: EmailLayout['contents'],
  ) {
    for (const source of rewrite.sources) {
      if (!this.itemOf.has(source.url)) this.itemOf.set(source.url, itemName(source.file));
    }
    // After the items' own links: an address written in an item stays that item's.
    for (const entry of contents) {
      if (!this.itemOf.has(entry.url)) this.itemOf.set(entry.url, itemName(entry.file));
    }
  }

  /** The `/r/` address for a link, or the link as it was when it is not a web address. */
  tracked(written: string): string {
    const target = written.trim();
    if (!/^https?:\/\//i.test(target)) return written;
    let entry = this.byTarget.get(target);
    if (!entry) {
      const id = linkIdFor(target);
      const signature = clickSignature(this.rewrite.secret, this.issue, id, target);
      entry = {
        link: { id, target, item: this.itemOf.get(target) ?? null },
        address: `${this.rewrite.base}r/${this.issue}/${id}?s=${signature}`,
      };
      this.byTarget.set(target, entry);
    }
    return entry.address;
  }

  links(): ClickLink[] {
    return [...this.byTarget.values()].map((entry) => entry.link);
  }
}

/** The slots a layout prints: the view model offers more than a template may use, and an unused one is no link. */
function slotsUsedIn(layout: string): Set<string> {
  return new Set([...layout.matchAll(/\{\{\{slots\.(s\d+)\}\}\}/g)].map((m) => m[1]!));
}

/** The item's file within the issue folder: what the comms team knows it by. */
function itemName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}
