import { type ItemKind, itemKinds, kindSpec } from './kinds/index.js';
import { yamlLibrary } from './yaml-library.js';

/**
 * Skeletons written by `bulletin new` and `bulletin add`. They are valid content, with TK where a
 * person must write, so `bulletin check` passes them with a warning that points at each gap.
 */
export function issueSkeleton(date: string): string {
  return `---\n${yamlLibrary().stringify({ title: 'TK headline of this week’s bulletin', date, summary: 'TK one sentence shown as the email preheader' }, { lineWidth: 0 })}author:\n  name: TK\n  role: TK\n---\nTK the lead article.\n`;
}

/** The file `bulletin add` writes for an item: the kind's own skeleton (see kinds/). */
export function itemSkeleton(kind: ItemKind, title: string, date: string, programme?: string): string {
  return kindSpec(kind).skeleton({ title, date, programme });
}

/** The files of kinds kept as one file per issue (meetings.md), which `bulletin new` starts. */
export function oneFileSkeletons(date: string): [name: string, text: string][] {
  return itemKinds.flatMap((kind) => {
    const { oneFile } = kindSpec(kind);
    return oneFile ? [[oneFile.name, itemSkeleton(kind, '', date)] as [string, string]] : [];
  });
}

export function slug(title: string): string {
  return (
    title
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 50)
      .replace(/-$/, '') || 'item'
  );
}
