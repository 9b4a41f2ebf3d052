import type { FilledApart } from '../../src/render/email/fill-template.js';

/** The fill's output: each slot value put back at its offset. */
export function joined({ text, slots }: FilledApart): string {
  let out = '';
  let from = 0;
  for (const { at, value } of slots) {
    out += text.slice(from, at) + value;
    from = at;
  }
  return out + text.slice(from);
}

/** HTML that no slot filled. */
export function whole(html: string): FilledApart {
  return { text: html, slots: [] };
}
