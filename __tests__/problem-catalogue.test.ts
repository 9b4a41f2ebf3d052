import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogue } from '../src/diagnostics/catalogue.js';
import { problemCodes } from '../src/diagnostics/codes.js';
import { allCodes, explain } from '../src/diagnostics/explain.js';
import { problemsPage } from '../src/diagnostics/problems-page.js';
import { bulletin, repoRoot } from './helpers/cli.js';

test('every problem code has a catalogue entry, and every entry is a code', () => {
  expect(Object.keys(catalogue).sort()).toEqual(Object.keys(problemCodes).sort());
});

test.each(allCodes)('%s has a meaning, a fix, and an example with a message and a hint', (code) => {
  const { means, fix, example } = explain(code);
  expect(means.trim().length).toBeGreaterThan(10);
  expect(fix.trim().length).toBeGreaterThan(10);
  expect(example.message.trim().length).toBeGreaterThan(5);
  expect(example.hint?.trim().length ?? 0).toBeGreaterThan(5);
  // A template given its example must not leave a hole in the sentence.
  expect(`${example.message} ${example.hint}`).not.toMatch(/undefined|\[object Object\]|NaN/);
});

test('docs/problems.md is the page generated from the catalogue (run `npm run docs` after a change)', () => {
  const committed = readFileSync(join(repoRoot, 'docs', 'problems.md'), 'utf8');
  expect(committed).toBe(problemsPage());
  for (const code of allCodes) expect(committed).toContain(`## ${code}\n`);
});

test('the README links the generated list of codes', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  expect(readme).toMatch(/stable code[^\n]*\(docs\/problems\.md\)/);
});

test('bulletin explain CODE prints the severity, the meaning, the fix and an example', () => {
  const result = bulletin(['explain', 'image-missing']);
  expect(result.status).toBe(0);
  const entry = explain('image-missing');
  expect(result.stdout).toContain('image-missing (error)');
  expect(result.stdout).toContain(`What it means: ${entry.means}`);
  expect(result.stdout).toContain(`How to fix it: ${entry.fix}`);
  expect(result.stdout).toContain(`error: ${entry.example.message}`);
  expect(result.stdout).toContain(`hint: ${entry.example.hint}`);
});

test('bulletin explain with a mistyped code exits 2 and suggests the closest code', () => {
  const result = bulletin(['explain', 'image-mising']);
  expect(result.status).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr).toContain('no problem code "image-mising"');
  expect(result.stderr).toContain('Did you mean "image-missing"?');
});

test('bulletin explain --json prints one JSON document, also for an unknown code', () => {
  const known = bulletin(['explain', 'subject-too-long', '--json']);
  expect(known.status).toBe(0);
  expect(JSON.parse(known.stdout)).toEqual({ ok: true, ...explain('subject-too-long') });
  expect(JSON.parse(known.stdout).severity).toBe('warning');

  const unknown = bulletin(['explain', 'subject-to-long', '--json']);
  expect(unknown.status).toBe(2);
  expect(JSON.parse(unknown.stdout)).toMatchObject({
    ok: false,
    exitCode: 2,
    error: expect.stringContaining('Did you mean "subject-too-long"?'),
  });
});
