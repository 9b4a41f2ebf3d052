import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { repoRoot } from './helpers/cli.js';

/**
 * src/render/email/mjml-loader.ts hands mjml-core stand-ins for juice, cheerio, htmlnano, cssnano's
 * lite preset and js-beautify, loaded on first use. Each case runs in a node process of its own (lib/, as the CLI runs), so that nothing
 * another test loaded is in Node's module cache.
 */
function runNode(script: string, args: string[] = []) {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', BULLETIN_OFFLINE: '1' },
  });
  expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  return result.stdout;
}

/** Which of the deferred modules Node's CommonJS cache holds (printed as JSON). */
const LOADED = `
  const { createRequire } = await import('node:module');
  const cache = createRequire(import.meta.url).cache;
  const loaded = () => [...new Set(Object.keys(cache).flatMap((file) =>
    file.match(/node_modules[\\\\/](juice|cheerio|htmlnano|cssnano-preset-lite|js-beautify)[\\\\/]/)?.[1] ?? []))].sort();
`;

/**
 * Every feature that needs one of them: an inlined style, an HTML attribute by selector, minifying,
 * beautifying.
 */
const ALL_FEATURES = `<mjml><mj-head>
  <mj-style inline="inline">.note { color: #a00; }</mj-style>
  <mj-html-attributes><mj-selector path=".note p"><mj-html-attribute name="data-kind">note</mj-html-attribute></mj-selector></mj-html-attributes>
</mj-head><mj-body><mj-section><mj-column>
  <mj-text css-class="note"><p>One   line</p></mj-text>
</mj-column></mj-section></mj-body></mjml>`;

test("the sample's email is made without loading any of them", () => {
  const out = runNode(`${LOADED}
    const { runPipeline } = await import('./lib/src/build/pipeline.js');
    const report = await runPipeline({ root: '.', dates: ['2018-05-11'], write: false, cache: false });
    console.log(JSON.stringify({ checked: report.issues[0].emailChecked, loaded: loaded() }));
  `);
  expect(JSON.parse(out)).toEqual({ checked: true, loaded: [] });
});

test('an email that uses them all gets what MJML loaded whole gives, byte for byte', () => {
  const render = (load: string) =>
    runNode(
      `${LOADED}
      ${load}
      const before = loaded();
      const input = process.argv[1];
      const plain = await mjml(input, { validationLevel: 'strict' });
      const minified = await mjml(input, { validationLevel: 'strict', minify: true, minifyOptions: { minifyCss: false } });
      const beautified = await mjml(input, { validationLevel: 'strict', beautify: true });
      console.log(JSON.stringify({
        before, html: plain.html, minified: minified.html, beautified: beautified.html,
        errors: [...plain.errors, ...beautified.errors], after: loaded(),
      }));
    `,
      [ALL_FEATURES],
    );
  const deferred = JSON.parse(
    render(`const mjml = (await import('./lib/src/render/email/mjml-loader.js')).loadMjml();`),
  );
  const whole = JSON.parse(render(`const mjml = createRequire(import.meta.url)('mjml');`));
  expect(deferred.before).toEqual([]);
  // The lite preset stays a stand-in: htmlnano finds no cssnano of its own here to hand it to (mjml-core's
  // CSS minifying is off above, as it warns and does nothing without one).
  expect(deferred.after).toEqual(['cheerio', 'htmlnano', 'js-beautify', 'juice']);
  expect(deferred.errors).toEqual([]);
  expect(deferred.html).toContain('data-kind="note"');
  expect(deferred.html).toMatch(/<div[^>]*class="note"|style="[^"]*color: ?#a00/);
  expect(deferred.html).toBe(whole.html);
  expect(deferred.minified.length).toBeLessThan(deferred.html.length);
  expect(deferred.minified).toBe(whole.minified);
  expect(deferred.beautified).toMatch(/\n {2,}</);
  expect(deferred.beautified).toBe(whole.beautified);
});

test('mjml-core uses juice, cheerio and htmlnano only as their stand-ins forward: a call or a property, never their keys', () => {
  const core = readFileSync(createRequire(import.meta.url).resolve('mjml-core'), 'utf8');
  for (const name of ['juice', 'cheerio', 'htmlnano']) {
    // Required once, straight into a variable, in one of Babel's two forms.
    const required = [...core.matchAll(new RegExp(`^var (_\\w+) = (.*)require\\("${name}"\\)\\)?;$`, 'gm'))];
    expect([name, required.length]).toEqual([name, 1]);
    const [, variable, wrapper] = required[0]!;
    expect([name, wrapper]).toEqual([name, expect.stringMatching(/^(_interopRequireDefault\()?$/)]);
    // Every other use reads a property of it (the default, or a function such as cheerio's `load`),
    // and then reads another, calls it, or assigns into it: never spreads, lists or passes it whole.
    const uses = [...core.matchAll(new RegExp(`\\b${variable}\\b.{0,24}`, 'g'))].map(([use]) => use).slice(1);
    expect(uses.length).toBeGreaterThan(0);
    const forwarded = wrapper
      ? new RegExp(`^${variable}\\.default(\\.\\w+|\\)\\()`)
      : new RegExp(`^${variable}\\.\\w+\\)\\(`);
    for (const use of uses) expect([name, use]).toEqual([name, expect.stringMatching(forwarded)]);
  }
});

test("mjml-core hands cssnano's lite preset only to cssnano, which calls it, and takes only js-beautify's html", () => {
  const resolve = createRequire(createRequire(import.meta.url).resolve('mjml')).resolve;
  const core = readFileSync(resolve('mjml-core'), 'utf8');
  // Required once into a variable, which is only ever the value of a `preset` (or its first element).
  expect(core.match(/require\('cssnano-preset-lite'\)/g)).toEqual(["require('cssnano-preset-lite')"]);
  const uses = [...core.matchAll(/.{0,10}\bcssnanoLitePreset\b.{0,2}/g)].map(([use]) => use.trim()).slice(1);
  expect(uses.length).toBeGreaterThan(0);
  for (const use of uses) expect(use).toMatch(/^(preset: |preset: \[)cssnanoLitePreset(,|$)/);
  // cssnano reads `plugins` of a preset, else calls it when it is a function, as the stand-in is.
  const cssnano = readFileSync(createRequire(resolve('mjml-core')).resolve('cssnano'), 'utf8');
  expect(cssnano).toContain('if (fn.plugins)');
  expect(cssnano).toContain("if (typeof fn === 'function') {");
  // js-beautify: `html` taken out as the file loads, and only called.
  const format = readFileSync(resolve('mjml-core').replace(/index\.js$/, 'helpers/formatHtml.js'), 'utf8');
  expect([...format.matchAll(/require\('js-beautify'\)/g)]).toHaveLength(1);
  expect(format).toMatch(/const \{\n\s*html: beautify\n\} = require\('js-beautify'\);/);
  // Past its destructuring, the variable `beautify` (not `js-beautify`, not `beautifyOptions`) is only called.
  const after = [...format.matchAll(/(?<![\w-])beautify(?!\w)([\s\S])/g)].map(([, next]) => next).slice(1);
  expect(after).toEqual(['(']);
});
