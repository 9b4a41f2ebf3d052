/**
 * The layers of src/, lowest first: a module may import from its own layer and the ones below,
 * never from a layer above, and no import may close a cycle. `npm run lint` enforces both.
 * (The order is the data flow of the design: content is read, rendered, checked, archived or
 * sent, orchestrated by build; the servers and the CLI sit on top.)
 */
const LAYERS = [
  ['support', 'diagnostics'],
  ['content'],
  ['render'],
  // Click counting: rewrites a laid-out email's links and says what the counts need of a database.
  ['analytics'],
  ['checks'],
  ['subscribers', 'archive'],
  ['dispatch', 'approval'],
  ['bounces'],
  ['build'],
  ['schedule'],
  ['service', 'preview'],
  // The engines behind the interfaces the layers below declare; wired by the CLI.
  ['store'],
  ['cli'],
];

const folders = (layers) => `^src/(${layers.flat().join('|')})/`;

module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      comment:
        'An import cycle makes load order matter and the layers meaningless: break it with a lower module.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-unknown-folder',
      comment: 'Every folder of src/ belongs to a layer: add a new one to LAYERS in .dependency-cruiser.cjs.',
      severity: 'error',
      from: { path: '^src/', pathNot: `${folders(LAYERS)}|^src/[^/]+\\.ts$` },
      to: {},
    },
    ...LAYERS.slice(0, -1).map((layer, i) => ({
      name: `layer-${layer.join('-')}`,
      comment: `${layer.join(' and ')} may not import from a higher layer (${LAYERS.slice(i + 1)
        .flat()
        .join(', ')}).`,
      severity: 'error',
      from: { path: folders([layer]) },
      to: { path: folders(LAYERS.slice(i + 1)) },
    })),
  ],
  options: {
    // The project's TypeScript (7) has no JavaScript API for the cruiser to parse with; swc (already
    // the test transform) reads the same syntax, type-only imports included.
    parser: 'swc',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
  },
};
