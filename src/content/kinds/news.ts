import { itemSchema, type KindSpec, proseSkeleton } from './kind.js';

export const news = {
  kind: 'news',
  schema: itemSchema('news', {}),
  presents: 'prose',
  sectionTitle: 'Other news',
  ownProgramme: false,
  skeleton: ({ title }) => proseSkeleton({ kind: 'news', title }),
} as const satisfies KindSpec;
