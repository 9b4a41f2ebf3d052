import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { isoDate, oneLine, webUrl } from '../src/content/fields.js';
import { meetingSchema } from '../src/content/kinds/meetings.js';
import { configSchema } from '../src/content/schema.js';
import {
  type CatalogueEntry,
  catalogue,
  catalogueEntry,
  type SchemaRule,
} from '../src/diagnostics/catalogue.js';
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

describe('the rules of the schemas word nothing themselves: each raises a case of a catalogue entry', () => {
  const site = configSchema.shape.site.shape;
  const meeting = { title: 'Board', date: '2018-05-11' };
  const rules: [string, z.ZodType, unknown][] = [
    ['a date in another form', isoDate, 'May 11'],
    ['a month that does not exist', isoDate, '2018-13-01'],
    ['a day the month does not have', isoDate, '2018-02-30'],
    ['a line break in one-line text', oneLine, 'Stroke\nprogramme'],
    ['a link that is not a web address', webUrl, 'javascript:alert(1)'],
    ['an end time without a start', meetingSchema, { ...meeting, end: '10:00' }],
    ['a meeting that ends before it starts', meetingSchema, { ...meeting, start: '14:00', end: '12:30' }],
    ['a time without a date', meetingSchema, { title: 'Board', start: '10:00' }],
    ['a time zone that does not exist', site.timezone, 'Mars/Olympus'],
    ['a locale that is not a language tag', site.locale, 'not a locale!'],
  ];
  test.each(rules)('%s', (_what, schema, value) => {
    const issues = schema.safeParse(value).error?.issues ?? [];
    expect(issues).toHaveLength(1);
    const params = (issues[0]!.code === 'custom' ? issues[0]!.params : undefined) as SchemaRule | undefined;
    // A code and its parameters, no words: the message and the hint are the catalogue's.
    expect(Object.keys(params ?? {}).sort()).toEqual(['params', 'problem']);
    const { problem, params: values } = params!;
    const entry = catalogueEntry(problem) as CatalogueEntry<object>;
    const named = { ...values, name: '"key"' };
    expect(entry.message(named)).toMatch(/^"key"/);
    expect(`${entry.message(named)} ${entry.hint(named)}`).not.toMatch(/undefined|\[object Object\]|NaN/);
  });
});
