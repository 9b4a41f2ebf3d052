/**
 * What a command loads before it does anything is time every run pays (issue 15: loading was a
 * sixth of a cold `check --all` on one core). The network link check's HTTP client (undici, ~0.4 s
 * to load) is loaded only when links are checked over the network. Observed as a user would run the
 * CLI, with a module hook that writes down every package the process resolves.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../src/content/config.js';
import { repoRoot } from './helpers/cli.js';
import { bulletinLoading, nodeLoading, packagesIn } from './helpers/module-log.js';

/** The packages a run of the CLI resolved, by name. */
function packagesLoadedBy(args: string[]): Set<string> {
  const result = bulletinLoading(args);
  expect(result.stderr).not.toMatch(/Error \[|TypeError|Cannot find/);
  return packagesIn(result.loaded);
}

test('check --offline (with nothing cached) does not load the HTTP client of the link check', () => {
  const loaded = packagesLoadedBy(['check', '--offline', '--no-cache']);
  // The hook saw the run: the Markdown parser and MJML were loaded through it.
  expect(loaded).toContain('mdast-util-from-markdown');
  expect(loaded).toContain('mjml');
  expect(loaded).not.toContain('undici');
  // Nor what MJML uses only for features the sample does not (inlined styles, HTML attributes, minify).
  for (const deferred of ['juice', 'cheerio', 'htmlnano']) expect(loaded).not.toContain(deferred);
});

test('--help loads no HTTP client either', () => {
  const loaded = packagesLoadedBy(['--help']);
  expect(loaded).toContain('commander');
  expect(loaded).not.toContain('undici');
});

test('a command loads what only some commands or some sites need when it needs it, not as the CLI starts', () => {
  // handlebars: the templates (a build's stages, not the choice of folder); image-size: a site's logo;
  // csv-*: subscribers import and export; @babel/code-frame: a problem shown with its source.
  const deferred = ['handlebars', 'image-size', 'csv-parse', 'csv-stringify', '@babel/code-frame'];
  const started = packagesLoadedBy(['--help']);
  for (const name of deferred) expect(started).not.toContain(name);
  // Each is still there when it is needed: the sample's check draws no frame, but it lays out an email.
  const checked = packagesLoadedBy(['check', '--offline', '--no-cache']);
  expect(checked).toContain('handlebars');
});

test('a command loads its own module and not the other commands', () => {
  const result = bulletinLoading(['explain', 'image-missing']);
  expect(result.status).toBe(0);
  const commands = result.loaded.flatMap((url) => /\/cli\/commands\/([a-z-]+)\.[jt]s$/.exec(url)?.[1] ?? []);
  expect(new Set(commands)).toEqual(new Set(['explain']));
  // Nor what only they need: the config's schema and its YAML parser.
  expect(packagesIn(result.loaded)).not.toContain('zod');
  // A mistyped command still hears of the closest one, from the list of them all.
  const mistyped = bulletinLoading(['biuld']);
  expect(mistyped.stderr).toMatch(/build/);
});

test('a thread that prepares issues loads neither YAML’s full parser, image-size nor the raw HTML parser for an issue that needs none', async () => {
  // The config as a prepare worker is told it, read here: reading it takes the YAML parser.
  const { config } = await loadConfig(repoRoot);
  const prepare = pathToFileURL(join(repoRoot, 'lib', 'src', 'build', 'prepare.js')).href;
  const script = `const { prepareFresh } = await import(${JSON.stringify(prepare)});
    const prepared = await prepareFresh(process.env.ROOT, '2018-05-11', JSON.parse(process.env.CONFIG));
    console.log(JSON.stringify({ title: prepared.rendered.issue.title, problems: prepared.problems.length }));`;
  const run = nodeLoading(['--input-type=module', '-e', script], {
    ROOT: repoRoot,
    CONFIG: JSON.stringify(config),
  });
  expect(run.stderr).toBe('');
  expect(JSON.parse(run.stdout)).toMatchObject({ title: expect.any(String) });
  const loaded = packagesIn(run.loaded);
  expect(loaded).toContain('mdast-util-from-markdown');
  expect(loaded).not.toContain('yaml');
  expect(loaded).not.toContain('image-size');
  // The sample's bodies have no `<`: no raw HTML to parse (markdown.ts, loadRawHtmlSupport).
  for (const name of ['rehype-raw', 'hast-util-raw', 'parse5']) expect(loaded).not.toContain(name);
});
