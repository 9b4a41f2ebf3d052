import { defaultExport, requireFromMjmlCore } from './mjml-loader.js';

/**
 * MJML's page skeleton with its web-font scan narrowed. MJML links a web font (Open Sans, Droid
 * Sans, Lato, Roboto, Ubuntu) when a regex finds its name after `font-family:` in the laid-out HTML
 * or an inline style: five case-insensitive regexes over the whole email, about 4 ms an email and
 * 1 s of a cold `check --all`. A font whose name does not occur at all (ignoring case) cannot
 * match, so only the fonts whose name occurs are handed on to MJML's own scan: the same regexes
 * decide, and the output is the same bytes (`__tests__/mjml-fonts.test.ts`).
 */

type SkeletonOptions = { content?: string; inlineStyle?: string[]; fonts?: Record<string, string> } & Record<
  string,
  unknown
>;
export type Skeleton = (options: SkeletonOptions) => string;

const counts = { scanned: 0, skipped: 0 };

/** Fonts handed to MJML's regex scan and fonts ruled out before it, since the process started. */
export function fontScanCounts(): { scanned: number; skipped: number } {
  return { ...counts };
}

let skeleton: Skeleton | undefined;

/** The `skeleton` option for mjml2html: MJML's own, given only the fonts its scan could find. */
export function narrowedFontsSkeleton(): Skeleton {
  skeleton ??= narrowed(mjmlSkeleton());
  return skeleton;
}

function narrowed(mjmlOwn: Skeleton): Skeleton {
  return (options) => mjmlOwn({ ...options, fonts: fontsToScan(options) });
}

/** `fontsNamedIn`, counted in `fontScanCounts`: the fonts that MJML's scan is then given. */
export function fontsToScan(options: SkeletonOptions): Record<string, string> {
  const fonts = fontsNamedIn(options);
  const given = Object.keys(fonts).length;
  counts.scanned += given;
  counts.skipped += Object.keys(options.fonts ?? {}).length - given;
  return fonts;
}

/** A name MJML's regex reads literally: letters, digits, spaces, `-` and `_` (an mj-font may name others). */
const LITERAL_NAME = /^[A-Za-z0-9 _-]+$/;

/**
 * The fonts whose name occurs in the content or an inline style, ignoring case, and any font whose
 * name the regex would not read literally. MJML's regexes use the `i` flag without `u`, as the search
 * for the name alone does here: whatever text they match, this finds the name in.
 */
export function fontsNamedIn(options: SkeletonOptions): Record<string, string> {
  const fonts = options.fonts ?? {};
  const texts = [options.content ?? '', ...(options.inlineStyle ?? [])];
  const named: Record<string, string> = {};
  for (const [name, url] of Object.entries(fonts)) {
    if (!LITERAL_NAME.test(name) || texts.some((text) => nameSearch(name).test(text))) named[name] = url;
  }
  return named;
}

const nameSearches = new Map<string, RegExp>();

/** A literal name (LITERAL_NAME: nothing to escape), found in any case. */
function nameSearch(name: string): RegExp {
  let search = nameSearches.get(name);
  if (!search) {
    search = new RegExp(name, 'i');
    nameSearches.set(name, search);
  }
  return search;
}

/** The skeleton of the mjml-core instance the `mjml` package itself uses. */
function mjmlSkeleton(): Skeleton {
  return defaultExport<Skeleton>(requireFromMjmlCore('./helpers/skeleton'));
}
