import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'cheerio';
import { decodeHTML } from 'entities';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { stringify } from 'yaml';
import { feedFiles } from '../src/archive/feeds.js';
import { archiveFromSite } from './helpers/archive.js';
import { bulletin } from './helpers/cli.js';
import { tempSite } from './helpers/site.js';

/**
 * Feeds as an attacker writes them: titles, summaries and names built to end a CDATA section
 * early and add a <link> or <script> of their own. Every string must come back out of an
 * independent parser exactly as written, in RSS, Atom and JSON alike.
 */
const DATE = '2018-05-11';
const BREAKOUT = ']]><link>https://evil.example/</link><script>alert(1)</script><![CDATA[';
const TITLE = `Q&A ${BREAKOUT} and again ${BREAKOUT} "quoted" 'single' &amp; &lt;b&gt; café 😀 ]]>`;
const SUMMARY = `<![CDATA[ Fish & chips ]]> </description><script>alert(2)</script> ]]> ]]> 🧪 &#x41;`;
const AUTHOR = `Zoë ]]> <b>O'Neil</b> & "Co" &amp; ${BREAKOUT} 🦜`;
const ITEM_TITLE = `Item ${BREAKOUT} </title><script>alert(3)</script> ]]>`;

/** XML 1.0's Char production: what a conforming parser accepts (lone surrogates are no characters). */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const xml = new XMLParser({
  ignoreAttributes: false,
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => ['item', 'entry', 'link', 'script'].includes(name),
});

/** Every element name anywhere in a parsed document, to count links and scripts. */
function elementNames(node: unknown, names: string[] = []): string[] {
  if (typeof node !== 'object' || node === null) return names;
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('@_') || key === '#text') continue;
    for (const child of Array.isArray(value) ? value : [value]) {
      names.push(key);
      elementNames(child, names);
    }
  }
  return names;
}

describe('a site whose issue, item and author hold hostile strings, built through the CLI', () => {
  const site = tempSite();
  let out: string;
  beforeAll(() => {
    const front = stringify(
      { title: TITLE, date: DATE, summary: SUMMARY, author: { name: AUTHOR, role: 'Chief Executive' } },
      { lineWidth: 0 },
    );
    site.write(DATE, 'issue.md', `---\n${front}---\nThe lead article.\n`);
    site.write(
      DATE,
      '01-news.md',
      `---\n${stringify({ kind: 'news', title: ITEM_TITLE }, { lineWidth: 0 })}---\nThe item.\n`,
    );
    const built = bulletin(['build', DATE], site.root);
    expect([built.status, built.stderr]).toEqual([0, expect.any(String)]);
    out = join(site.root, 'dist', 'site');
  }, 60_000);
  afterAll(() => site.remove());

  const read = (name: string) => readFileSync(join(out, name), 'utf8');

  test('RSS: the title, summary and author read back exactly; one <link> per item; no <script>', () => {
    const source = read('feed.xml');
    expect(XMLValidator.validate(source)).toBe(true);
    expect(source).not.toMatch(NOT_XML_CHAR);
    const channel = xml.parse(source).rss.channel;
    expect(channel.item).toHaveLength(1);
    const item = channel.item[0];
    expect(item.title).toBe(TITLE);
    // RSS's description is HTML: the reader decodes it to the text written.
    expect(decodeHTML(item.description)).toBe(SUMMARY);
    expect(item['dc:creator']).toBe(AUTHOR);
    expect(item.link).toEqual([`https://bulletin.wyhpartnership.example/issues/${DATE}/`]);
    expect(elementNames(xml.parse(source)).filter((n) => n === 'link')).toHaveLength(2); // the channel's and the item's
    expect(elementNames(xml.parse(source))).not.toContain('script');
    const content = load(item['content:encoded']);
    expect(content('h2').text()).toBe(ITEM_TITLE);
    expect(content('script, link').length).toBe(0);
  });

  test('Atom: the title, summary and author read back exactly; one <link> per entry; no <script>', () => {
    const source = read('atom.xml');
    expect(XMLValidator.validate(source)).toBe(true);
    expect(source).not.toMatch(NOT_XML_CHAR);
    const feed = xml.parse(source).feed;
    expect(feed.entry).toHaveLength(1);
    const entry = feed.entry[0];
    const shown = (element: { '#text'?: string; '@_type'?: string }) =>
      element['@_type'] === 'html' ? decodeHTML(element['#text'] ?? '') : element['#text'];
    expect(shown(entry.title)).toBe(TITLE);
    expect(shown(entry.summary)).toBe(SUMMARY);
    expect(entry.author.name).toBe(AUTHOR);
    expect(entry.link.map((l: Record<string, string>) => l['@_href'])).toEqual([
      `https://bulletin.wyhpartnership.example/issues/${DATE}/`,
    ]);
    expect(elementNames(xml.parse(source))).not.toContain('script');
    const content = load(entry.content['#text']);
    expect(content('h2').text()).toBe(ITEM_TITLE);
    expect(content('script, link').length).toBe(0);
  });

  test('JSON Feed: the same strings, exactly', () => {
    const feed = JSON.parse(read('feed.json'));
    expect(feed.items).toHaveLength(1);
    expect(feed.items[0]).toMatchObject({ title: TITLE, summary: SUMMARY, author: { name: AUTHOR } });
    expect(load(feed.items[0].content_html)('h2').text()).toBe(ITEM_TITLE);
  });
});

test('characters XML cannot carry (which check refuses) are dropped, never written: the feeds stay well-formed', async () => {
  const archive = await archiveFromSite();
  const odd = {
    ...archive.issues[0]!,
    title: 'A\u0001B\rC\u0085D\uD800E\uFFFEF 😀',
    summary: 'S\u0000T',
    author: { name: 'N\u001bM' },
    html: '<p>x\u0002y</p>',
  };
  const files = feedFiles({ ...archive, issues: [odd] });
  for (const path of ['feed.xml', 'atom.xml']) {
    const source = files.get(path) as string;
    expect([path, NOT_XML_CHAR.exec(source)?.[0]]).toEqual([path, undefined]);
    expect(XMLValidator.validate(source)).toBe(true);
  }
  const rss = xml.parse(files.get('feed.xml') as string).rss.channel.item[0];
  expect(rss.title).toBe('AB CD\uFFFDEF 😀');
  expect(rss['dc:creator']).toBe('NM');
  // JSON can carry every one of them, so it carries them as written.
  expect(JSON.parse(files.get('feed.json') as string).items[0]).toMatchObject({
    title: odd.title,
    summary: odd.summary,
  });
});

test('bulletin check: a bare CR in a meeting (a YAML "\\r") is an error at its file:line:column; build writes no calendar', () => {
  const site = tempSite();
  try {
    const front = { title: 'Calendar test', date: DATE, summary: 'One meeting.' };
    site.write(DATE, 'issue.md', `---\n${stringify(front)}---\nThe lead article.\n`);
    site.write(
      DATE,
      'meetings.md',
      [
        '---',
        'kind: meetings',
        'title: Next week',
        'meetings:',
        '  - title: Clinical forum',
        '    date: 2018-05-15',
        '    description: "Agenda\\rEND:VEVENT\\rBEGIN:VEVENT\\rSUMMARY:Injected"',
        '    location: "Leeds\\ttown hall"',
        '---',
        '',
      ].join('\n'),
    );
    const checked = bulletin(['check', DATE, '--json'], site.root);
    expect(checked.status).toBe(1);
    const problems = JSON.parse(checked.stdout).issues[0].problems as {
      code: string;
      file: string;
      line: number;
      column: number;
      message: string;
    }[];
    expect(problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.code}`)).toEqual([
      `bulletins/${DATE}/meetings.md:7:18 control-character`,
    ]);
    expect(problems[0]!.message).toContain('carriage return (U+000D)');
    expect(bulletin(['check', DATE], site.root).stderr).toContain(`bulletins/${DATE}/meetings.md:7:18`);
    expect(bulletin(['build', DATE], site.root).status).toBe(1);
    expect(existsSync(join(site.root, 'dist', 'site', 'issues', DATE, 'meetings.ics'))).toBe(false);
  } finally {
    site.remove();
  }
}, 60_000);
