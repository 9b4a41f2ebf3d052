/**
 * Module-level tests for src/checks, in process (no CLI spawn), so they run in milliseconds. They
 * assert what a user sees of a problem (code, severity, line:column, message), not how it is built.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkEmail,
  checkEmailParts,
  checkEmailSize,
  fillForChecks,
  LARGEST_RECIPIENT,
  largestRecipientBytes,
} from '../src/checks/email-checks.js';
import { prepareIssue } from '../src/build/prepare.js';
import { compileEmail } from '../src/render/email/compile.js';
import { BUILTIN_TEMPLATES, loadEmailTemplates } from '../src/render/email/templates.js';
import { checkIssue, SUBJECT_FITS } from '../src/checks/issue-checks.js';
import { isPublicAddress, literalAddress } from '../src/checks/link-address.js';
import { isFresh, readCache, saveCache, type Cache } from '../src/checks/link-cache.js';
import { isExcluded, linkCacheFile, linksOffline } from '../src/checks/link-policy.js';
import { collectLinkTargets, webAddress } from '../src/checks/link-targets.js';
import { checkSources } from '../src/checks/source-checks.js';
import { loadConfig } from '../src/content/config.js';
import { splitFrontMatter } from '../src/content/front-matter.js';
import { loadIssue } from '../src/content/load-issue.js';
import type { Diagnostic } from '../src/diagnostics/diagnostic.js';
import { sourceText } from '../src/diagnostics/source-text.js';
import { repoRoot } from './helpers/cli.js';
import { joined, whole } from './helpers/filled-apart.js';

/** A problem as one line a reader would check it by: code, severity, place, message. */
const brief = (d: Diagnostic) => `${d.code} ${d.severity} ${d.line}:${d.column} ${d.message}`;
/** An item whose body starts on line 5. */
const item = (body: string) =>
  splitFrontMatter(sourceText(join(repoRoot, 'item.md'), `---\nkind: news\ntitle: T\n---\n${body}`)).file;
const sourceProblems = (body: string) => checkSources([item(body)]).map(brief);

describe('source checks', () => {
  test('a clean item has no problems', () => {
    expect(sourceProblems('All fine. [Read the report](https://a.example/r)\n')).toEqual([]);
  });

  test('leftover placeholders are warnings at their place', () => {
    expect(sourceProblems('Intro.\n\nTODO: write this\n')).toEqual([
      'placeholder-left warning 7:1 Leftover placeholder "TODO".',
    ]);
  });

  test('dangerous raw HTML is refused where it is written', () => {
    expect(sourceProblems('<script>alert(1)</script>\n')).toEqual([
      'unsafe-html error 5:1 Raw HTML with a <script> tag is not allowed in bulletin content; it would be removed.',
    ]);
    expect(sourceProblems('<a href="x" onclick="go()">x</a>\n')).toEqual([
      'unsafe-html error 5:13 Raw HTML with an event handler attribute (onclick) is not allowed in bulletin ' +
        'content; it would be removed.',
    ]);
  });

  test('a script link is refused', () => {
    expect(sourceProblems('[x](javascript:alert(1))\n')).toEqual([
      'unsafe-url error 5:1 The link to "javascript:alert(1)" is a script, not an address.',
    ]);
  });

  test('images need alt text, and a local image must exist', () => {
    expect(sourceProblems('![](https://a.example/p.png)\n')).toEqual([
      'image-alt-missing warning 5:1 Image has no alt text.',
    ]);
    expect(sourceProblems('![A photo](missing.png)\n')).toEqual([
      'image-missing error 5:1 The image "missing.png" does not exist beside item.md.',
    ]);
  });
});

describe('writing checks', () => {
  test('vague link text is a warning', () => {
    expect(sourceProblems('See [click here](https://a.example/).\n')).toEqual([
      'link-text-vague warning 5:5 The link text "click here" says nothing about where it goes.',
    ]);
  });

  test('a level-1 heading inside an item is a warning', () => {
    expect(sourceProblems('# Top\n')).toEqual([
      'heading-order warning 5:1 A level-1 heading ("Top") inside an item competes with the bulletin\'s own ' +
        'headings.',
    ]);
  });

  test('a malformed email link is an error, in Markdown and in raw HTML', () => {
    expect(sourceProblems('[mail](mailto:not-an-address)\n')).toEqual([
      'mailto-invalid error 5:1 The email link has an address that must have exactly one @ with a name before ' +
        'it: mailto:not-an-address',
    ]);
    expect(sourceProblems('<a href="mailto:bad@">x</a>\n')).toEqual([
      'mailto-invalid error 5:4 The email link has an address that has an invalid domain after the @: mailto:bad@',
    ]);
  });
});

describe('issue checks', () => {
  const load = async () => {
    const { config } = await loadConfig(repoRoot);
    const { issue } = await loadIssue(repoRoot, '2018-05-11', config!);
    return { config: config!, issue: issue! };
  };

  test('the sample issue passes', async () => {
    const { config, issue } = await load();
    expect(checkIssue(issue, config)).toEqual([]);
  });

  test('a meeting outside next week is reported at its date', async () => {
    const { config, issue } = await load();
    const meetings = issue.items.find((i) => i.kind === 'meetings')!;
    meetings.meetings[0]!.date = '2018-06-30';
    const problems = checkIssue(issue, config);
    expect(problems.map(brief)).toEqual([
      'meeting-outside-week warning 6:11 "Joint Committee of the Nine Clinical Commissioning Groups" on 2018-06-30 ' +
        'is not next week (Saturday 12 May 2018 to Sunday 20 May 2018).',
    ]);
    expect(problems[0]!.file).toMatch(/meetings\.md$/);
  });

  test('a meeting link no calendar event can carry is reported; a mailto: link and a good one are not', async () => {
    const { config, issue } = await load();
    const [first, second, third] = issue.items.find((i) => i.kind === 'meetings')!.meetings;
    const long = `https://meet.example.org/${'a'.repeat(9000)}`;
    first!.link = long;
    second!.link = 'mailto:board@example.org';
    third!.link = 'https://meet.example.org/board?id=1';
    const problems = checkIssue(issue, config);
    expect(problems.map((p) => p.code)).toEqual(['meeting-link-off-calendar']);
    expect(problems[0]!.message).toContain(`(${long.slice(0, 80)}…, ${long.length} characters)`);
    expect(problems[0]!.message).toContain('its event will link to the issue page');
  });

  test('the link warning: as a browser reads the link (no slashes, a hostile line break), only for a dated meeting', async () => {
    const { config, issue } = await load();
    const meetings = issue.items.find((i) => i.kind === 'meetings')!.meetings;
    const [first, second] = meetings;
    const undated = meetings.find((m) => !m.date)!;
    first!.link = 'https:video_calls.example.org/forum';
    second!.link = 'https://video_calls.example.org/a\n x.md:1:1 error\u2028é';
    undated.link = 'https://video_calls.example.org/undated';
    const messages = checkIssue(issue, config).map((p) => `${p.code} ${p.message}`);
    expect(messages).toEqual([
      expect.stringContaining('(https://video_calls.example.org/forum)'),
      expect.stringContaining('(https://video_calls.example.org/a%20x.md:1:1%20error%E2%80%A8%C3%A9)'),
    ]);
    for (const message of messages) expect(message).not.toMatch(/[\n\r\u2028\u2029]/);
  });

  test('an empty item, an empty section and a long subject are reported', async () => {
    const { config, issue } = await load();
    const first = issue.items.find((i) => i.kind === 'network')!;
    issue.items = issue.items.filter((i) => i.kind !== 'news');
    first.body.markdown = '';
    first.links = [];
    issue.subject = 'x'.repeat(SUBJECT_FITS + 1);
    const codes = checkIssue(issue, config).map((d) => `${d.code} ${d.line}:${d.column}`);
    expect(codes.sort()).toEqual(['empty-item 3:8', 'empty-section 1:1', 'subject-too-long 2:8']);
  });
});

describe('email checks', () => {
  test("the HTML size is measured against Gmail's clipping", () => {
    expect(checkEmailSize('bulletins/x/issue.md', 50 * 1024)).toEqual([]);
    expect(checkEmailSize('bulletins/x/issue.md', 200 * 1024).map(brief)).toEqual([
      "email-too-large error 1:1 The email's HTML is 200.0 KB per subscriber; Gmail clips anything over 102 KB " +
        '(Bulletin keeps 5% in hand), hiding the end of the bulletin and its unsubscribe link.',
    ]);
  });

  test("the size is the largest recipient's, worked out from the one fill the checks make", async () => {
    // Multi-byte content in a slot, and the unsubscribe address in three places around it, one of them
    // escaped as an attribute.
    const fill = (r: { unsubscribeUrl: string }) => ({
      html: {
        text: `<div></div><a href="${r.unsubscribeUrl}">x</a>${r.unsubscribeUrl}<a href='${r.unsubscribeUrl}'>`,
        slots: [{ at: 5, value: 'é'.repeat(49_450) }],
      },
      text: `${'word '.repeat(60)} ${r.unsubscribeUrl}`,
    });
    const largest = Buffer.byteLength(joined(fill(LARGEST_RECIPIENT).html));
    expect(largestRecipientBytes(fillForChecks(fill).html)).toBe(largest);
    // Over the limit for the largest recipient, under it for the probe's shorter address.
    expect(Buffer.byteLength(joined(fillForChecks(fill).html))).toBeLessThan(99_225);
    expect(largest).toBeGreaterThan(99_225);
    expect(checkEmail('bulletins/x/issue.md', 'templates', fill).map(brief)).toEqual(
      checkEmailSize('bulletins/x/issue.md', largest).map(brief),
    );

    // And for the sample issues' real emails: their content is in the slots, apart from the text.
    const { config } = await loadConfig(repoRoot);
    const templates = await loadEmailTemplates(BUILTIN_TEMPLATES);
    for (const date of ['2018-05-11', '2018-05-25']) {
      const { rendered } = await prepareIssue(repoRoot, date, config!, undefined);
      const email = await compileEmail(rendered!, config!, templates);
      const probed = fillForChecks(email.fillApart);
      expect(probed.html.slots.length).toBeGreaterThan(10);
      expect(joined(probed.html)).toBe(fillForChecks(email.fill).html);
      expect(largestRecipientBytes(probed.html)).toBe(Buffer.byteLength(email.fillHtml(LARGEST_RECIPIENT)));
    }
  });

  test('templates that lose the text part or the unsubscribe link are refused', () => {
    const problems = checkEmailParts('templates', () => ({ html: whole('<p>x</p>'), text: 'short' }), [
      'Title A',
    ]);
    expect(problems.map((d) => `${d.code} ${d.file}`)).toEqual([
      'text-part-empty templates/email/email.txt.hbs',
      expect.stringMatching(/^unsubscribe-missing templates\/email\//),
      expect.stringMatching(/^unsubscribe-missing templates\/email\//),
    ]);
    expect(problems[0]!.message).toMatch(/^The plain-text part has only 5 characters;/);
    const complete = checkEmailParts(
      'templates',
      (r) => ({
        html: whole(`<a href="${r.unsubscribeUrl}">Unsubscribe</a>`),
        text: `${'word '.repeat(60)} Title A ${r.unsubscribeUrl}`,
      }),
      ['Title A'],
    );
    expect(complete).toEqual([]);
    // A link the content prints (in a slot) is not the template's.
    const inContent = checkEmailParts(
      'templates',
      (r) => ({
        html: { text: '<p></p>', slots: [{ at: 3, value: `<a href="${r.unsubscribeUrl}">Unsubscribe</a>` }] },
        text: `${'word '.repeat(60)} Title A ${r.unsubscribeUrl}`,
      }),
      ['Title A'],
    );
    expect(inContent.map((d) => `${d.code} ${d.file}`)).toEqual([
      'unsubscribe-missing templates/email/email.mjml.hbs',
    ]);
  });

  test('the text part is read as it reads: titles across lines are found, and only what is not space counts', () => {
    const parts = (text: string, titles: string[]) =>
      checkEmailParts(
        'templates',
        (r) => ({ html: whole(`<a href="${r.unsubscribeUrl}">U</a>`), text: `${text}\n${r.unsubscribeUrl}` }),
        titles,
      ).map((d) => [d.code, d.message]);
    const long = 'word '.repeat(60);
    // Wrapped over two lines, with more spaces: found. Written nowhere: said, as written in the issue.
    expect(
      parts(`${long}\nA title wrapped\n  over   two lines\n`, ['A title wrapped over two lines']),
    ).toEqual([]);
    expect(parts(`${long}\nA title wrapped\n`, ['A  title\twrapped', 'Not in the text'])).toEqual([
      ['text-part-incomplete', expect.stringContaining('Not in the text')],
    ]);
    // 199 words of one letter in a sea of spaces: 397 characters as it reads, with the address after them.
    expect(parts(`${'x \n\n   '.repeat(199)}`, [])).toEqual([]);
    // Few letters in many spaces are few characters, counted one-spaced.
    const sparse = parts(`${' \n\t'.repeat(5000)}a   b${' '.repeat(5000)}`, []);
    expect(sparse).toEqual([
      ['text-part-empty', expect.stringMatching(/^The plain-text part has only \d+ characters;/)],
    ]);
    const counted = Number(/only (\d+) characters/.exec(sparse[0]![1]!)![1]);
    expect(counted).toBe(`a b ${'https://unsubscribe.probe.invalid/u/PROBE-7f3a'}`.length);
  });
});

describe('link targets and policy', () => {
  test('only web addresses are targets, each at its place', () => {
    const file = item('[a](https://a.example/x) and ![i](//cdn.example/i.png)\n[m](mailto:a@b.example)\n');
    const targets = collectLinkTargets([file]).map(({ url, kind, line, column }) => ({
      url,
      kind,
      line,
      column,
    }));
    expect(targets).toEqual([
      { url: 'https://a.example/x', kind: 'link', line: 5, column: 1 },
      { url: 'https://cdn.example/i.png', kind: 'image', line: 5, column: 30 },
    ]);
    expect(
      ['http://x', '//h/x', ' https://y ', 'mailto:a@b', '#f', '/rel', 'ftp://x'].map(webAddress),
    ).toEqual(['http://x', 'https://h/x', 'https://y', undefined, undefined, undefined, undefined]);
  });

  test('exclusions match a host, a domain and everything under it, or an address prefix', () => {
    expect(isExcluded('https://a.wyh.example/x', ['*.wyh.example'])).toBe(true);
    expect(isExcluded('https://wyh.example/x', ['*.wyh.example'])).toBe(true);
    expect(isExcluded('https://notwyh.example/', ['*.wyh.example'])).toBe(false);
    expect(isExcluded('https://H.Example/', ['h.example'])).toBe(true);
    expect(isExcluded('https://evilh.example/', ['h.example'])).toBe(false);
    expect(isExcluded('https://h.example/a/b', ['https://h.example/a'])).toBe(true);
    expect(isExcluded('https://h.example/c', ['https://h.example/a'])).toBe(false);
    expect(isExcluded('not a url', ['not a url'])).toBe(false);
  });

  test('offline mode and the cache file location', () => {
    expect(
      [{ BULLETIN_OFFLINE: '1' }, { BULLETIN_OFFLINE: 'true' }, { BULLETIN_OFFLINE: '0' }, {}].map(
        linksOffline,
      ),
    ).toEqual([true, true, false, false]);
    expect(linkCacheFile('/site')).toBe('/site/.bulletin/cache/links.json');
  });

  test('only public IP addresses are asked, including IPv4 carried inside IPv6', () => {
    const publicOnes = ['8.8.8.8', '2001:4860::8888', '::ffff:8.8.8.8'];
    const privateOnes = ['127.0.0.1', '10.1.2.3', '169.254.169.254', '100.64.0.1', '::1', '::ffff:127.0.0.1'];
    expect(publicOnes.filter(isPublicAddress)).toEqual(publicOnes);
    expect(
      [...privateOnes, '2002:0a00:0001::1', 'fe80::1%eth0', 'example.org'].filter(isPublicAddress),
    ).toEqual([]);
    expect(['127.0.0.1', '[::1]', 'example.org'].map(literalAddress)).toEqual([
      '127.0.0.1',
      '::1',
      undefined,
    ]);
  });
});

describe('link cache', () => {
  const freshness = { ttlMs: 1000, failureTtlMs: 100 };
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bulletin-links-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('answers keep a day, failures minutes, connection failures not at all', () => {
    const ok = { outcome: { result: 'answered', status: 200 }, checkedAt: 0 } as const;
    const notFound = { outcome: { result: 'answered', status: 404 }, checkedAt: 0 } as const;
    expect([isFresh(ok, 999, freshness), isFresh(ok, 1000, freshness)]).toEqual([true, false]);
    expect([isFresh(notFound, 99, freshness), isFresh(notFound, 101, freshness)]).toEqual([true, false]);
    expect(isFresh({ outcome: { result: 'failed', code: 'ENOTFOUND' }, checkedAt: 0 }, 1, freshness)).toBe(
      false,
    );
    expect(isFresh({ outcome: { result: 'timeout' }, checkedAt: 0 }, 50, freshness)).toBe(true);
  });

  test('a missing or corrupt cache reads as empty; a saved one reads back', async () => {
    const file = join(dir, 'links.json');
    expect((await readCache(file)).size).toBe(0);
    writeFileSync(file, '{"version": 2');
    expect((await readCache(file)).size).toBe(0);
    const learned: Cache = new Map([
      ['https://a.example/', { outcome: { result: 'answered', status: 200 }, checkedAt: 5000 }],
    ]);
    await saveCache(file, learned, freshness, () => 5000);
    expect([...(await readCache(file))]).toEqual([...learned]);
  });
});
