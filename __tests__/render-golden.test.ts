import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRawHtmlSupport, renderMarkdown } from '../src/render/markdown.js';
import { markdownToText } from '../src/render/plain-text.js';
import { expectGolden } from './helpers/golden.js';

// Some fixtures have raw HTML (sanitize): its parser is loaded before any body is rendered.
await loadRawHtmlSupport();

const fixtures = fileURLToPath(new URL('./fixtures/render', import.meta.url));
const cases = readdirSync(fixtures);
const base = 'https://bulletin.example.org/issues/2018-05-11/';

describe.each(cases)('render fixture %s', (name) => {
  const input = readFileSync(join(fixtures, name, 'input.md'), 'utf8');
  const rendered = renderMarkdown(input, base);

  test('archive HTML matches expected.html', () =>
    expectGolden(join(fixtures, name, 'expected.html'), `${rendered.html}\n`));
  test('email HTML matches expected.email.html', () =>
    expectGolden(join(fixtures, name, 'expected.email.html'), `${rendered.emailHtml}\n`));
  test('plain text matches expected.txt', () =>
    expectGolden(
      join(fixtures, name, 'expected.txt'),
      `${markdownToText(rendered.mdast, { baseUrl: base })}\n`,
    ));
});

test('sanitizing removes scripts, handlers, iframes and javascript: URLs but keeps the text', () => {
  const html = renderMarkdown(readFileSync(join(fixtures, 'sanitize', 'input.md'), 'utf8'), base).html;
  expect(html).not.toMatch(/<script|onerror|onclick|javascript:|<iframe|style=/i);
  expect(html).toContain('<em>inline HTML</em>');
  expect(html).toContain('alt="A chart"');
  expect(html).toContain('A div with a handler');
});

test('relative links and images become absolute archive URLs', () => {
  const html = renderMarkdown(readFileSync(join(fixtures, 'images', 'input.md'), 'utf8'), base).html;
  expect(html).toContain(`src="${base}board.jpg"`);
  expect(html).toContain('alt="Partnership board meeting in Wakefield"');
});

test('plain text keeps link targets, list structure and headings', () => {
  const text = markdownToText(
    renderMarkdown(readFileSync(join(fixtures, 'lists-and-links', 'input.md'), 'utf8'), base).mdast,
    { baseUrl: base },
  );
  const flowed = text.replace(/\s+/g, ' ');
  expect(flowed).toContain('the report (https://www.kingsfund.org.uk/publications/housing-and-health)');
  expect(text).toContain('* Acute care\n  1. Hospitals\n  2. Ambulance service');
  expect(text).toContain('comms@wyhpartnership.example');
  expect(text).not.toContain('mailto:');
  expect(flowed).toContain('relative one (https://bulletin.example.org/issues/2018-05-04/)');
  for (const line of text.split('\n'))
    if (!line.includes('http')) expect(line.length).toBeLessThanOrEqual(72);
});
