import { itemSchema, type KindSpec, proseSkeleton } from './kind.js';

export const network = {
  kind: 'network',
  schema: itemSchema('network', {}),
  presents: 'prose',
  sectionTitle: 'Network updates',
  ownProgramme: false,
  skeleton: ({ title }) => proseSkeleton({ kind: 'network', title }),
} as const satisfies KindSpec;
