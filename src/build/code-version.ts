import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isErrno } from '../support/errors.js';
import { packageRoot } from '../support/package-root.js';

/** The libraries whose versions shape a rendering: the caches key on them (`codeVersion`). */
const OUTPUT_LIBRARIES = [
  ...[
    'unified',
    'mdast-util-from-markdown',
    'micromark',
    'micromark-extension-gfm',
    'mdast-util-gfm',
    'remark-rehype',
    'rehype-raw',
    'rehype-sanitize',
    'hast-util-sanitize',
  ],
  ...['hast-util-to-html', 'gray-matter', 'yaml', 'zod', 'image-size'],
];

let codeFingerprint: string | undefined;

/**
 * A hash of Bulletin's own code (whatever runs: lib/ or the TypeScript sources under test) and of
 * the installed versions of the libraries that shape the output, so an upgrade (a sanitizer fix,
 * say) is a miss too.
 */
export function codeVersion(): string {
  if (codeFingerprint) return codeFingerprint;
  const hash = createHash('sha256');
  const top = dirname(dirname(fileURLToPath(import.meta.url)));
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (['.js', '.ts'].includes(extname(entry))) hash.update(entry).update(readFileSync(path));
    }
  };
  walk(top);
  for (const name of OUTPUT_LIBRARIES) {
    try {
      hash.update(
        `${name}@${(JSON.parse(readFileSync(join(packageRoot, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version}`,
      );
    } catch (error) {
      // Installed elsewhere (hoisted by a workspace): the code's own bytes still key the cache.
      if (!isErrno(error, 'ENOENT')) throw error;
      hash.update(`${name}@?`);
    }
  }
  codeFingerprint = hash.digest('hex');
  return codeFingerprint;
}
