import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMarkdown } from '../src/render/markdown.js';
import { EXCERPT_WORDS, excerptOf } from '../src/render/render-issue.js';
import { bulletin } from './helpers/cli.js';
import { buildInMemory, tempSite } from './helpers/site.js';

const words = (n: number, word = 'word') => Array.from({ length: n }, () => word).join(' ');
const blocks = (markdown: string) => excerptOf(parseMarkdown(markdown))?.children.map((node) => node.type);

describe('the lead excerpt rule: whole blocks from the start, at least one paragraph, about 120 words', () => {
  test('takes paragraphs while the words stay within EXCERPT_WORDS', () => {
    const markdown = [words(50), words(60), words(20), words(5)].join('\n\n');
    expect(EXCERPT_WORDS).toBe(120);
    expect(blocks(markdown)).toEqual(['paragraph', 'paragraph']);
  });

  test('takes the first paragraph whole however long, and a heading before it', () => {
    expect(blocks(`# Start\n\n${words(300)}\n\n${words(3)}`)).toEqual(['heading', 'paragraph']);
  });

  test('keeps link definitions, so reference links in the excerpt still resolve', () => {
    const tree = excerptOf(
      parseMarkdown(`See [the plan][plan].\n\n${words(200)}\n\n[plan]: https://example.org/plan`),
    );
    expect(tree?.children.map((node) => node.type)).toEqual(['paragraph', 'definition']);
  });

  test('gives nothing when the whole lead is short enough already', () => {
    expect(excerptOf(parseMarkdown(`${words(40)}\n\n${words(40)}`))).toBeNull();
  });
});

describe('lead: full | excerpt, in the config and per issue', () => {
  const issue = (lead: string) =>
    `---\ntitle: Week\ndate: 2018-05-11\nsummary: S.\n${lead}---\n${words(100, 'first')}\n\n${words(100, 'second')}\n`;

  test.each([
    ['', '', 'full'],
    ['lead: excerpt\n', '', 'excerpt'],
    ['', 'lead: excerpt\n', 'excerpt'],
    ['lead: excerpt\n', 'lead: full\n', 'full'],
  ])('config %j and issue.md %j give the %s lead', async (configLead, issueLead, expected) => {
    const site = tempSite();
    try {
      const config = join(site.root, 'bulletin.config.yaml');
      writeFileSync(config, `${readFileSync(config, 'utf8')}\n${configLead}`);
      site.write('2018-05-11', 'issue.md', issue(issueLead));
      const { html, text } = (await buildInMemory(site.root, '2018-05-11')).email!.withPlaceholders();
      expect(html.includes('second second')).toBe(expected === 'full');
      expect(text.includes('second second')).toBe(expected === 'full');
      expect(html.includes('Continue reading: Week')).toBe(expected === 'excerpt');
      expect(text.includes('Continue reading: Week')).toBe(expected === 'excerpt');
    } finally {
      site.remove();
    }
  });

  test('a wrong value is an error at its line and column, with the choices', () => {
    const site = tempSite();
    try {
      const config = join(site.root, 'bulletin.config.yaml');
      const before = readFileSync(config, 'utf8');
      writeFileSync(config, `${before}\nemail:\n  showTags: maybe\n`);
      site.write('2018-05-11', 'issue.md', issue('lead: summary\n'));
      const output = () => {
        const result = bulletin(['check', '2018-05-11'], site.root);
        expect(result.status).toBe(1);
        return result.stdout + result.stderr;
      };
      const lines = before.split('\n').length;
      expect(output()).toContain(`bulletin.config.yaml:${lines + 2}:13`);
      writeFileSync(config, before);
      const issueProblem = output();
      expect(issueProblem).toContain('bulletins/2018-05-11/issue.md:5:7');
      expect(issueProblem).toMatch(/"lead" must be one of full, excerpt/);
    } finally {
      site.remove();
    }
  });
});
