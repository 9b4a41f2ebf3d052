import type { Config } from '../content/model.js';
import { slug } from '../content/scaffold.js';

function base(config: Config): string {
  return config.site.baseUrl.endsWith('/') ? config.site.baseUrl : `${config.site.baseUrl}/`;
}

/** The public address of an issue in the archive: `<baseUrl>/issues/YYYY-MM-DD/`. */
export function issueUrl(config: Config, date: string): string {
  return new URL(`issues/${date}/`, base(config)).href;
}

export function siteUrl(config: Config, path = ''): string {
  return new URL(path, base(config)).href;
}

/** A relative image reference (`![alt](board.jpg)`): a file beside the item, published with the issue. */
export function isLocalImage(url: string): boolean {
  return (
    url !== '' &&
    !/^[a-z][a-z0-9+.-]*:/i.test(url) &&
    !url.startsWith('//') &&
    !url.startsWith('/') &&
    !url.startsWith('#')
  );
}

/** Whatever names an item: an `Item`, an `ItemInfo`, or a view of one. */
interface Titled {
  title: string;
}

const anchorsOf = new WeakMap<readonly Titled[], Map<Titled, string>>();

/**
 * The anchor ids of an issue's items, in order: `item-stroke-programme`, unique within the issue (a title
 * that slugs like an earlier one's gets `-2`, `-3`). The email and the archive page give each item the same
 * id, so a link from the email's contents can fall back to `<issue url>#<anchor>` and a colleague can share
 * one item.
 */
export function itemAnchors(issueItems: readonly Titled[]): Map<Titled, string> {
  let byItem = anchorsOf.get(issueItems);
  if (byItem) return byItem;
  byItem = new Map();
  const used = new Set<string>();
  for (const item of issueItems) {
    const base = `item-${slug(item.title)}`;
    let anchor = base;
    for (let n = 2; used.has(anchor); n++) anchor = `${base}-${n}`;
    used.add(anchor);
    byItem.set(item, anchor);
  }
  anchorsOf.set(issueItems, byItem);
  return byItem;
}

/**
 * One item's anchor id among its issue's items (all of them, in the issue's order: the same list gives the
 * same ids everywhere). Pass the same array each time: the ids are worked out once per array.
 */
export function itemAnchor(item: Titled, issueItems: readonly Titled[]): string {
  return itemAnchors(issueItems).get(item) ?? `item-${slug(item.title)}`;
}
