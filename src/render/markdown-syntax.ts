import type { Construct, ConstructRecord, Extension } from 'micromark-util-types';
import { gfm } from 'micromark-extension-gfm';

/**
 * The GFM syntax for one text: all of it, less the constructs that cannot match anywhere in it.
 *
 * micromark tries a construct at every character it is keyed on. GFM's email autolink literal is
 * keyed on every letter and digit, so in text with no `@` at all it was tried, and failed, at the
 * start of every word: it doubled the parse of the corpus (5,712 bodies: 2.0 -> 3.6 s of
 * tokenizing). Each construct left out here needs a character sequence to match, and a text
 * without that sequence gives the same events (micromark joins the runs of data a failed attempt
 * split): `markdown-syntax.test.ts` compares the trees with full GFM's, for the corpus and for
 * random texts made of exactly those characters.
 */
const needs: [construct: string, foundIn: (text: string) => boolean][] = [
  ['emailAutolink', (text) => text.includes('@')],
  ['wwwAutolink', (text) => /www\./i.test(text)],
  ['protocolAutolink', (text) => /https?:\/\//i.test(text)],
  // A delimiter row needs a pipe, or a colon beside a dash (`:-`, `-:`) when it has no pipe.
  ['table', (text) => text.includes('|') || /:-|-:/.test(text)],
];

const full = gfm();
const variants = new Map<number, Extension>();

/** The GFM extension to parse `text` with (one object per set of constructs left out). */
export function gfmSyntaxFor(text: string): Extension {
  let absent = 0;
  for (const [index, [, foundIn]] of needs.entries()) if (!foundIn(text)) absent |= 1 << index;
  let variant = variants.get(absent);
  if (!variant) {
    const names = new Set(needs.filter((_, index) => absent & (1 << index)).map(([name]) => name));
    variant = without(full, names);
    variants.set(absent, variant);
  }
  return variant;
}

function without(extension: Extension, names: ReadonlySet<string>): Extension {
  if (names.size === 0) return extension;
  const result: Record<string, ConstructRecord> = {};
  for (const [hook, record] of Object.entries(extension) as [string, ConstructRecord | undefined][]) {
    if (!record) continue;
    const kept: ConstructRecord = {};
    for (const key of Object.keys(record)) {
      const value = record[key] as Construct | Construct[] | undefined;
      const constructs = (Array.isArray(value) ? value : value ? [value] : []).filter(
        (construct) => !names.has(construct.name ?? ''),
      );
      if (constructs.length) kept[key] = constructs;
    }
    result[hook] = kept;
  }
  return result as Extension;
}
