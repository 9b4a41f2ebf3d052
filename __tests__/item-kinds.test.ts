/**
 * Item kinds are data (src/content/kinds/): every kind needs a section in the config, and a
 * section must name a known kind. Before, a kind missing from `sections:` silently dropped its
 * items from the email (or, for meetings, failed later with an error that blamed the text template).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bulletin, repoRoot } from './helpers/cli.js';

let site: string;

beforeEach(() => {
  site = mkdtempSync(join(tmpdir(), 'bulletin-kinds-'));
  cpSync(join(repoRoot, 'bulletin.config.yaml'), join(site, 'bulletin.config.yaml'));
  cpSync(join(repoRoot, 'bulletins', '2018-05-11'), join(site, 'bulletins', '2018-05-11'), {
    recursive: true,
  });
});

afterEach(() => rmSync(site, { recursive: true, force: true }));

function editConfig(from: string, to: string): string {
  const path = join(site, 'bulletin.config.yaml');
  const text = readFileSync(path, 'utf8');
  expect(text).toContain(from);
  writeFileSync(path, text.replace(from, to));
  return text;
}

test('a kind with no section in the config is one config error naming the kind and the sections', () => {
  const text = editConfig("  - kind: meetings\n    title: What's happening next week?\n", '');
  const result = bulletin(['--root', site, 'check', '2018-05-11', '--offline']);
  expect(result.status).not.toBe(0);
  const line = text.split('\n').findIndex((l) => l.startsWith('sections:')) + 1;
  expect(result.stderr).toContain(`bulletin.config.yaml:${line}:1`);
  expect(result.stderr).toContain('config-invalid');
  expect(result.stderr).toMatch(/kind "meetings" has no section/);
  expect(result.stderr).toContain('network, programme, news');
  expect(result.stderr).toContain('- kind: meetings');
  // One clear error, not a template's.
  expect(result.stderr).not.toMatch(/template/i);
  expect(result.stderr.match(/error/gi)?.length ?? 0).toBeLessThanOrEqual(2);
});

test('a section whose kind is not a known kind is a config error naming the known kinds', () => {
  editConfig('  - kind: news\n', '  - kind: newz\n');
  const result = bulletin(['--root', site, 'check', '2018-05-11', '--offline']);
  expect(result.status).not.toBe(0);
  expect(result.stderr).toContain('config-invalid');
  expect(result.stderr).toContain('newz');
  expect(result.stderr).toContain('network, programme, news, meetings');
});
