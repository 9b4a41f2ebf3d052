/**
 * What a command loads before it does anything is time every run pays (issue 15: loading was a
 * sixth of a cold `check --all` on one core). The network link check's HTTP client (undici, ~0.4 s
 * to load) is loaded only when links are checked over the network. Observed as a user would run the
 * CLI, with a module hook that writes down every package the process resolves.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bulletin } from './helpers/cli.js';

let dir: string;
let hook: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bulletin-loading-'));
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.LOADED_LOG, resolved.url + '\\n');
  return resolved;
}
`,
  );
  // CommonJS requires (mjml and what it loads, through src/render/email/mjml-loader.ts) do not pass
  // the ESM hook: the file each resolves to is written down as well.
  hook = join(dir, 'register.mjs');
  writeFileSync(
    hook,
    `import Module, { register } from 'node:module';
import { appendFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
register(${JSON.stringify(pathToFileURL(hooks).href)});
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (...args) {
  const file = resolveFilename.apply(this, args);
  appendFileSync(process.env.LOADED_LOG, pathToFileURL(file).href + '\\n');
  return file;
};
`,
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The packages a run of the CLI resolved, by name. */
function packagesLoadedBy(args: string[], name: string): Set<string> {
  const log = join(dir, `${name}.log`);
  writeFileSync(log, '');
  const result = bulletin(args, undefined, { LOADED_LOG: log, NODE_OPTIONS: `--import ${hook}` });
  expect(result.stderr).not.toMatch(/Error \[|TypeError|Cannot find/);
  const urls = readFileSync(log, 'utf8').split('\n');
  return new Set(urls.flatMap((url) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? []));
}

test('check --offline does not load the HTTP client of the link check', () => {
  const loaded = packagesLoadedBy(['check', '--offline'], 'check');
  // The hook saw the run: the Markdown parser and MJML were loaded through it.
  expect(loaded).toContain('mdast-util-from-markdown');
  expect(loaded).toContain('mjml');
  expect(loaded).not.toContain('undici');
  // Nor what MJML uses only for features the sample does not (inlined styles, HTML attributes, minify).
  for (const deferred of ['juice', 'cheerio', 'htmlnano']) expect(loaded).not.toContain(deferred);
});

test('--help loads no HTTP client either', () => {
  const loaded = packagesLoadedBy(['--help'], 'help');
  expect(loaded).toContain('commander');
  expect(loaded).not.toContain('undici');
});
