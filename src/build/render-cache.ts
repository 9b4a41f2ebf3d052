import { createHash, type Hash } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LinkTarget } from '../checks/link-targets.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { RenderedIssue } from '../render/render-issue.js';
import { packageRoot } from '../support/package-root.js';
import { makePrivateDir, PRIVATE_FILE } from '../support/private-files.js';
import { isErrno, MISSING, UNWRITABLE } from '../support/errors.js';

const OUTPUT_LIBRARIES = [
  ...[
    'unified',
    'remark-parse',
    'remark-gfm',
    'remark-rehype',
    'rehype-raw',
    'rehype-sanitize',
    'hast-util-sanitize',
  ],
  ...['hast-util-to-html', 'gray-matter', 'yaml', 'zod', 'image-size'],
];

/** What a cached issue holds: its rendering, and the warnings found on the way (no errors). */
export interface CachedIssue {
  rendered: RenderedIssue;
  problems: Diagnostic[];
  links: LinkTarget[];
}

/**
 * Rendered issues on disk (`.bulletin/cache/render/DATE.json`), each under a key made of the bytes
 * of its Markdown files, the config, the working folder (paths in reports are relative to it) and
 * the code itself, so an edit anywhere that could change the result is a miss. An archive build
 * then parses and renders only the issues that changed, as Hugo and Eleventy's caches do.
 */
export class RenderCache {
  private readonly dir: string;

  constructor(
    root: string,
    private readonly salt: string,
  ) {
    this.dir = join(root, '.bulletin', 'cache', 'render');
  }

  keyOf(issueDir: string): string {
    const hash = createHash('sha256').update(this.salt);
    try {
      hashTree(hash, issueDir, '');
    } catch (error) {
      // No folder, no cache: loading the issue reports why.
      if (isErrno(error, ...MISSING)) return 'missing';
      throw error;
    }
    return hash.digest('hex');
  }

  get(date: string, key: string): CachedIssue | undefined {
    try {
      const stored = JSON.parse(readFileSync(this.file(date), 'utf8')) as { key: string } & CachedIssue;
      return stored.key === key && Array.isArray(stored.links)
        ? { rendered: stored.rendered, problems: stored.problems, links: stored.links }
        : undefined;
    } catch (error) {
      // Not cached yet, or cut short by a crash (the write is atomic, but an older version's may not be).
      if (isErrno(error, 'ENOENT') || error instanceof SyntaxError) return undefined;
      throw error;
    }
  }

  set(date: string, key: string, value: CachedIssue): void {
    try {
      makePrivateDir(this.dir);
      const temporary = `${this.file(date)}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify({ key, ...value }), PRIVATE_FILE);
      renameSync(temporary, this.file(date));
    } catch (error) {
      // A cache that cannot be written only costs time on the next build.
      if (!isErrno(error, ...UNWRITABLE)) throw error;
    }
  }

  private file(date: string): string {
    return join(this.dir, `${date}.json`);
  }
}

/**
 * Markdown by content; anything else (images, which checks look for) by name, size and time, at any depth.
 */
function hashTree(hash: Hash, dir: string, prefix: string): void {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const info = statSync(path);
    if (info.isDirectory()) hashTree(hash, path, `${prefix}${name}/`);
    else if (name.endsWith('.md')) hash.update(`\0${prefix}${name}\0`).update(readFileSync(path));
    else hash.update(`\0${prefix}${name}\0${info.size}\0${info.mtimeMs}`);
  }
}

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
