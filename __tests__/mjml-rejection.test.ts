import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mjmlRejection } from '../src/render/email/mjml-rejection.js';

/** MJML's validation errors said once each, and found in the template files where they can be. */
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bulletin-mjml-rejection-'));
  mkdirSync(join(dir, 'email', 'partials'), { recursive: true });
  writeFileSync(
    join(dir, 'email', 'email.mjml.hbs'),
    '<mjml><mj-body>\n  <mj-section>\n    {{> item}}\n  </mj-section>\n  <mj-section>\n    <mj-hero></mj-hero>\n</mj-body></mjml>\n',
  );
  writeFileSync(
    join(dir, 'email', 'partials', 'item.hbs'),
    '<mj-column>\n  <mj-text padding="wide">x</mj-text>\n</mj-column>\n',
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const error = (tagName: string, message: string, line?: number) => ({
  tagName,
  message,
  ...(line === undefined ? {} : { line }),
  formattedMessage: `Line ${line} of ${dir} (${tagName}) — ${message}`,
});

test('an attribute with a wrong value is found in the partial that writes it', () => {
  const rejected = mjmlRejection(dir, [
    error('mj-text', 'Attribute padding has invalid value: wide for type Unit', 4),
    error('mj-text', 'Attribute padding has invalid value: wide for type Unit', 9),
  ]);
  expect(rejected.file).toBe(join(dir, 'email', 'partials', 'item.hbs'));
  expect(rejected.at?.text.slice(rejected.at.offset)).toMatch(/^padding="wide"/);
  expect(rejected.reason).toBe(
    'MJML rejected the email layout: mj-text: Attribute padding has invalid value: wide for type Unit (lines 4, 9 of the MJML the templates made)',
  );
});

test('a tag written once is found; one written twice, or an attribute written nowhere, is not', () => {
  const hero = mjmlRejection(dir, [error('mj-hero', 'mj-hero cannot be used inside mj-section', 6)]);
  expect(hero.file).toBe(join(dir, 'email', 'email.mjml.hbs'));
  expect(hero.at?.text.slice(hero.at.offset)).toMatch(/^<mj-hero>/);
  const section = mjmlRejection(dir, [
    error('mj-section', 'Element mj-section is odd'),
    error('mj-column', 'x', 3),
  ]);
  expect(section.at).toBeUndefined();
  expect(section.file).toBe(join(dir, 'email', 'email.mjml.hbs'));
  expect(section.reason).toBe(
    'MJML rejected the email layout: mj-section: Element mj-section is odd; mj-column: x (line 3 of the MJML the templates made)',
  );
  expect(mjmlRejection(dir, [error('mj-text', 'Attribute colour is illegal', 2)]).at).toBeUndefined();
});

test('without a partials folder, the email template alone is searched', () => {
  rmSync(join(dir, 'email', 'partials'), { recursive: true });
  const rejected = mjmlRejection(dir, [error('mj-hero', 'Attribute a, b are illegal', 6)]);
  expect(rejected.at).toBeUndefined();
  expect(rejected.reason).toContain('mj-hero: Attribute a, b are illegal (line 6 of the MJML');
});
