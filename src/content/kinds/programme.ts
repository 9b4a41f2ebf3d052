import { ref } from '../fields.js';
import { itemSchema, type KindSpec, proseSkeleton } from './kind.js';

export const programme = {
  kind: 'programme',
  schema: itemSchema('programme', { programme: ref }),
  presents: 'prose',
  sectionTitle: 'Programme news',
  ownProgramme: true,
  skeleton: ({ title, programme: id }) => proseSkeleton({ kind: 'programme', title, programme: id }),
} as const satisfies KindSpec;
