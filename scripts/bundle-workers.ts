/**
 * Part of `npm run build`, after tsc: bundles the prepare worker (lib/src/build/prepare-worker.js,
 * with the parsers it loads) into one file, `prepare-worker.bundle.mjs` beside it, and records the
 * code it was made from (`prepareWorkerCode` in src/build/prepare-workers.ts uses it only while
 * that is still the code).
 *
 * Why: a worker thread loads its modules anew. The worker's ~400 modules (the Markdown and YAML
 * parsers are many small ones) took it ~0.45 s and ~0.55 s of CPU to load, one by one through the
 * ESM loader, at the start of every cold build of many issues; bundled, ~0.16 s and ~0.17 s. esbuild
 * does the bundling: it is the field's tool for it, and nothing here is written by hand but the two
 * adjustments below.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { codeVersion } from '../src/build/code-version.js';
import { packageRoot } from '../src/support/package-root.js';

const LIB_SRC = join(packageRoot, 'lib', 'src');
const BUILD_DIR = join(LIB_SRC, 'build');
export const BUNDLE = join(BUILD_DIR, 'prepare-worker.bundle.mjs');

/**
 * A bundled module that reads `import.meta.url` (to find its package, or a file beside it) reads
 * its own file's address, as it did before bundling, not the bundle's: computed from the bundle's at
 * run time, so the package can still be moved once built.
 */
const ownImportMetaUrl: Plugin = {
  name: 'own-import-meta-url',
  setup(esbuild) {
    esbuild.onLoad({ filter: /\.js$/ }, ({ path }) => {
      if (!path.startsWith(`${LIB_SRC}${sep}`)) return undefined;
      const source = readFileSync(path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const fromBundle = relative(BUILD_DIR, path).split('\\').join('/');
      const own = `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`;
      return { contents: source.replaceAll('import.meta.url', own), loader: 'js' };
    });
  },
};

export async function bundleWorkers(): Promise<void> {
  await build({
    entryPoints: [join(BUILD_DIR, 'prepare-worker.js')],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    plugins: [ownImportMetaUrl],
    // The CommonJS packages bundled (gray-matter, js-yaml) require Node's own modules: an ES module
    // has no `require` of its own, and esbuild's stand-in for it throws without one.
    banner: {
      js: "import { createRequire as bundleCreateRequire } from 'node:module';\nconst require = bundleCreateRequire(import.meta.url);",
    },
  });
  writeFileSync(`${BUNDLE}.json`, `${JSON.stringify({ codeVersion: codeVersion() })}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await bundleWorkers();
}
