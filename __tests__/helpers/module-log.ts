import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bulletin, type CliResult } from './cli.js';

/** A module resolve hook (ESM) that appends each URL resolved, in any thread, to LOADED_LOG. */
const ESM_HOOKS = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.LOADED_LOG, resolved.url + '\\n');
  return resolved;
}
`;

/**
 * Registers the hook, and writes down CommonJS requires too (mjml and what it loads, through
 * src/render/email/mjml-loader.ts), which do not pass it.
 */
const register = (hooks: string) => `import Module, { register } from 'node:module';
import { appendFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
register(${JSON.stringify(pathToFileURL(hooks).href)});
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (...args) {
  const file = resolveFilename.apply(this, args);
  appendFileSync(process.env.LOADED_LOG, pathToFileURL(file).href + '\\n');
  return file;
};
`;

/** A URL of the prepare worker's code: the bundle `npm run build` makes of it, or its own module. */
export function isPrepareWorker(url: string): boolean {
  return url.endsWith('/prepare-worker.bundle.mjs') || url.endsWith('/prepare-worker.js');
}

/** Runs the CLI as `bulletin` does, and says which files (URLs) it resolved to load. */
export function bulletinLoading(
  args: string[],
  cwd?: string,
  env: Record<string, string> = {},
): CliResult & { loaded: string[] } {
  return withLoadLog((logged) => bulletin(args, cwd, { ...env, ...logged }));
}

/** Runs `node` with these arguments, and says which files (URLs) it resolved to load. */
export function nodeLoading(
  args: string[],
  env: Record<string, string> = {},
): CliResult & { loaded: string[] } {
  return withLoadLog((logged) => {
    const result = spawnSync(process.execPath, args, {
      encoding: 'utf8',
      env: { ...process.env, ...env, ...logged },
    });
    return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
  });
}

function withLoadLog(run: (env: Record<string, string>) => CliResult): CliResult & { loaded: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'bulletin-loading-'));
  try {
    const hooks = join(dir, 'hooks.mjs');
    const hook = join(dir, 'register.mjs');
    const log = join(dir, 'loaded.log');
    writeFileSync(hooks, ESM_HOOKS);
    writeFileSync(hook, register(hooks));
    writeFileSync(log, '');
    const result = run({ LOADED_LOG: log, NODE_OPTIONS: `--import ${hook}` });
    return { ...result, loaded: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The packages among `loaded`, by name. */
export function packagesIn(loaded: readonly string[]): Set<string> {
  return new Set(loaded.flatMap((url) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? []));
}
