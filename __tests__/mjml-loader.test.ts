import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { repoRoot } from './helpers/cli.js';

/**
 * src/render/email/mjml-loader.ts hands mjml-core stand-ins for juice, cheerio and htmlnano, loaded on
 * first use. Each case runs in a node process of its own (lib/, as the CLI runs), so that nothing
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
    file.match(/node_modules[\\\\/](juice|cheerio|htmlnano)[\\\\/]/)?.[1] ?? []))].sort();
`;

/** Every feature that needs one of them: an inlined style, an HTML attribute by selector, minifying. */
const ALL_FEATURES = `<mjml><mj-head>
  <mj-style inline="inline">.note { color: #a00; }</mj-style>
  <mj-html-attributes><mj-selector path=".note p"><mj-html-attribute name="data-kind">note</mj-html-attribute></mj-selector></mj-html-attributes>
</mj-head><mj-body><mj-section><mj-column>
  <mj-text css-class="note"><p>One   line</p></mj-text>
</mj-column></mj-section></mj-body></mjml>`;

test("the sample's email is made without loading juice, cheerio or htmlnano", () => {
  const out = runNode(`${LOADED}
    const { runPipeline } = await import('./lib/src/build/pipeline.js');
    const report = await runPipeline({ root: '.', dates: ['2018-05-11'], write: false, cache: false });
    console.log(JSON.stringify({ checked: report.issues[0].emailChecked, loaded: loaded() }));
  `);
  expect(JSON.parse(out)).toEqual({ checked: true, loaded: [] });
});

test('an email that uses all three gets what MJML loaded whole gives, byte for byte', () => {
  const render = (load: string) =>
    runNode(
      `${LOADED}
      ${load}
      const before = loaded();
      const input = process.argv[1];
      const plain = await mjml(input, { validationLevel: 'strict' });
      const minified = await mjml(input, { validationLevel: 'strict', minify: true, minifyOptions: { minifyCss: false } });
      console.log(JSON.stringify({ before, html: plain.html, minified: minified.html, errors: plain.errors, after: loaded() }));
    `,
      [ALL_FEATURES],
    );
  const deferred = JSON.parse(
    render(`const mjml = (await import('./lib/src/render/email/mjml-loader.js')).loadMjml();`),
  );
  const whole = JSON.parse(render(`const mjml = createRequire(import.meta.url)('mjml');`));
  expect(deferred.before).toEqual([]);
  expect(deferred.after).toEqual(['cheerio', 'htmlnano', 'juice']);
  expect(deferred.errors).toEqual([]);
  expect(deferred.html).toContain('data-kind="note"');
  expect(deferred.html).toMatch(/<div[^>]*class="note"|style="[^"]*color: ?#a00/);
  expect(deferred.html).toBe(whole.html);
  expect(deferred.minified.length).toBeLessThan(deferred.html.length);
  expect(deferred.minified).toBe(whole.minified);
});

test('mjml-core uses the three only as their stand-ins forward: a call or a property, never their keys', () => {
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
