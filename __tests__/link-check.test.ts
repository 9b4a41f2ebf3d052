/**
 * The network link check: which addresses are collected, and how each answer is judged. Every
 * request goes to servers of this test on 127.0.0.1; checks about hosts that do not exist, a
 * network that is down, or saves racing each other use a fake fetch, so no name is ever looked up.
 *
 * Timing: an address expected to answer gets 3 s (a loaded machine must not turn it into a
 * timeout); only the address that never answers gets a short timeout. Waits are on events.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkLinks } from '../src/checks/link-checker.js';
import { collectLinkTargets, type LinkTarget } from '../src/checks/link-targets.js';
import { splitFrontMatter, type FrontMatterFile } from '../src/content/front-matter.js';
import { loadIssue } from '../src/content/load-issue.js';
import { configSchema } from '../src/content/schema.js';
import { codeFrameOf, sourceText } from '../src/diagnostics/source-text.js';

let work: string;
const servers: Server[] = [];
/** Every request the servers saw, in order, with the port that saw it. */
const seen: { method: string; path: string; port: number; userAgent: string }[] = [];
let inFlight = { all: 0, max: 0, byPort: new Map<number, { now: number; max: number }>() };
/** Settles when the never-ending /stream response is closed, with whether it was cut short. */
let streamClosed: Promise<boolean>;
let closeStream: (early: boolean) => void;
/** Called when a request for /hang arrives. */
let hangArrived: (() => void) | undefined;
let base: string;
let otherBase: string;
let refusedBase: string;

function route(req: IncomingMessage, res: ServerResponse, port: number): void {
  const path = req.url ?? '/';
  seen.push({ method: req.method ?? '', path, port, userAgent: req.headers['user-agent'] ?? '' });
  const send = (status: number, type = 'text/html; charset=utf-8', headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': type, ...headers });
    res.end(req.method === 'HEAD' ? undefined : `<p>${status}</p>`);
  };
  const name = path.split('?')[0];
  if (name === '/ok') send(200);
  else if (name === '/missing') send(404);
  else if (name === '/gone') send(410);
  else if (name === '/no-head') send(req.method === 'HEAD' ? 405 : 200);
  else if (name === '/moved') send(301, 'text/html', { location: '/ok' });
  else if (name === '/moved-to-missing') send(302, 'text/html', { location: '/missing' });
  else if (name === '/error') send(500);
  else if (name === '/forbidden') send(403);
  else if (name === '/picture.png') send(200, 'image/png');
  else if (name === '/hang')
    hangArrived?.(); // never answers; the client gives up, or afterAll closes it
  else if (name === '/stream') stream(req, res);
  else if (name === '/slow') slow(res, port);
  else send(404);
}

/** HEAD refused, GET a body that never ends: the checker must stop reading after the headers. */
function stream(req: IncomingMessage, res: ServerResponse): void {
  if (req.method === 'HEAD') {
    res.writeHead(405).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'video/mp4' });
  const timer = setInterval(() => res.write(Buffer.alloc(16 * 1024)), 5);
  res.on('close', () => {
    clearInterval(timer);
    closeStream(!res.writableFinished);
  });
}

function slow(res: ServerResponse, port: number): void {
  const forPort = inFlight.byPort.get(port) ?? { now: 0, max: 0 };
  inFlight.byPort.set(port, forPort);
  inFlight.all++;
  forPort.now++;
  inFlight.max = Math.max(inFlight.max, inFlight.all);
  forPort.max = Math.max(forPort.max, forPort.now);
  setTimeout(() => {
    inFlight.all--;
    forPort.now--;
    res.writeHead(200, { 'content-type': 'text/html' }).end();
  }, 100);
}

async function listen(): Promise<string> {
  const server = createServer((req, res) => route(req, res, (server.address() as AddressInfo).port));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'bulletin-links-'));
  base = await listen();
  otherBase = await listen();
  // A port that was just closed (close's callback: no longer listening): connecting to it is
  // refused. Another process could take the port meanwhile; the tests using it would then fail on
  // an unexpected answer, never pass on one.
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  refusedBase = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise((resolve) => closed.close(resolve));
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  rmSync(work, { recursive: true, force: true });
});

beforeEach(() => {
  seen.length = 0;
  inFlight = { all: 0, max: 0, byPort: new Map() };
  streamClosed = new Promise((resolve) => (closeStream = resolve));
  hangArrived = undefined;
});

/** 1-based line and column of the first `needle` in `text`. */
function placeOf(text: string, needle: string): { line: number; column: number } {
  const index = text.indexOf(needle);
  if (index < 0) throw new Error(`"${needle}" is not in the text`);
  const before = text.slice(0, index).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

function markdownFile(name: string, text: string): FrontMatterFile {
  const path = join(work, name);
  writeFileSync(path, text);
  return splitFrontMatter(sourceText(path, readFileSync(path, 'utf8'))).file;
}

function itemText(body: string): string {
  return `---\nkind: news\ntitle: Links\n---\n${body}\n`;
}

const brief = (targets: readonly LinkTarget[]) =>
  targets.map(({ url, kind, line, column }) => ({ url, kind, line, column }));
const requestsFor = (path: string) => seen.filter((s) => s.path === path).map((s) => s.method);
const link = (url: string): LinkTarget => ({ url, kind: 'link', file: 'l.md', line: 1, column: 1 });

describe('collectLinkTargets', () => {
  const body = [
    'Read [the report](https://example.org/report#summary) and see ![A chart](https://example.org/chart.png "Chart").',
    'Also <https://example.org/auto>, www.example.org/literal and ![logo](//cdn.example.org/logo.png).',
    'By reference: [minutes][minutes], ![photo][photo], [both][shared] and ![both][shared].',
    '',
    '[minutes]: https://example.org/minutes',
    '[photo]: https://example.org/photo.jpg',
    '[shared]: https://example.org/shared',
    '[unused]: https://example.org/unused',
    '',
    'Raw: <a href="https://example.org/html?a=1&amp;b=2">raw</a> and <img alt="x" src=\'https://example.org/raw.png\'>',
    'and <a data-href="https://example.org/not-this" href=\'https://example.org/single\'>u</a>.',
    '',
    '<div>',
    '<a href=https://example.org/unquoted>in a block</a>',
    '</div>',
    '',
    'Not fetched: [mail](mailto:someone@example.org), [top](#top), [events](/events), ![local](chart.png), [ftp](ftp://example.org/f), <a href="#x">x</a>.',
  ].join('\n');

  test('finds links, images, used definitions, raw HTML and front-matter links where they are written', async () => {
    const dir = join(work, 'site', 'bulletins', '2024-05-10');
    mkdirSync(dir, { recursive: true });
    const issueText =
      '---\ntitle: Week\ndate: 2024-05-10\nsummary: A week.\n---\nSee [the plan](https://example.org/plan).\n';
    const newsText = `---\nkind: news\ntitle: Links\nlinks:\n  - text: Email us\n    url: mailto:us@example.org\n  - text: The report\n    url: https://example.org/fm-report\n---\n${body}\n`;
    const meetingsText =
      '---\nkind: meetings\ntitle: Meetings\nmeetings:\n  - title: No link\n  - title: Board\n    link: https://example.org/board\n---\n';
    writeFileSync(join(dir, 'issue.md'), issueText);
    writeFileSync(join(dir, '01-news.md'), newsText);
    writeFileSync(join(dir, '02-meetings.md'), meetingsText);
    const config = configSchema.parse({
      site: { name: 'Site', baseUrl: 'https://bulletin.example.org' },
      sender: { from: { name: 'Comms', email: 'comms@example.org' }, postalAddress: '1 Street' },
      lists: [{ id: 'weekly', name: 'Weekly' }],
      sections: [
        { kind: 'news', title: 'News' },
        { kind: 'meetings', title: 'Meetings' },
      ],
    });
    const loaded = await loadIssue(join(work, 'site'), '2024-05-10', config);
    expect(loaded.problems.filter((p) => p.severity === 'error')).toEqual([]);

    const targets = collectLinkTargets(loaded.files, loaded.issue);
    const at = (text: string, needle: string) => placeOf(text, needle);
    expect(brief(targets)).toEqual([
      { url: 'https://example.org/report#summary', kind: 'link', ...at(newsText, '[the report]') },
      { url: 'https://example.org/chart.png', kind: 'image', ...at(newsText, '![A chart]') },
      { url: 'https://example.org/auto', kind: 'link', ...at(newsText, '<https://example.org/auto>') },
      { url: 'http://www.example.org/literal', kind: 'link', ...at(newsText, 'www.example.org/literal') },
      { url: 'https://cdn.example.org/logo.png', kind: 'image', ...at(newsText, '![logo]') },
      { url: 'https://example.org/minutes', kind: 'link', ...at(newsText, '[minutes]: ') },
      { url: 'https://example.org/photo.jpg', kind: 'image', ...at(newsText, '[photo]: ') },
      // Used by a link and an image: a page served as HTML would be fine for the link.
      { url: 'https://example.org/shared', kind: 'link', ...at(newsText, '[shared]: ') },
      { url: 'https://example.org/html?a=1&b=2', kind: 'link', ...at(newsText, 'https://example.org/html') },
      { url: 'https://example.org/raw.png', kind: 'image', ...at(newsText, 'https://example.org/raw.png') },
      { url: 'https://example.org/single', kind: 'link', ...at(newsText, 'https://example.org/single') },
      { url: 'https://example.org/unquoted', kind: 'link', ...at(newsText, 'https://example.org/unquoted') },
      // Files in name order: issue.md comes after the items.
      { url: 'https://example.org/plan', kind: 'link', ...at(issueText, '[the plan]') },
      {
        url: 'https://example.org/fm-report',
        kind: 'link',
        ...at(newsText, 'https://example.org/fm-report'),
      },
      { url: 'https://example.org/board', kind: 'link', ...at(meetingsText, 'https://example.org/board') },
    ]);
    expect(targets.every((t) => t.frameAt && codeFrameOf(t.frameAt).includes('>'))).toBe(true);
    expect(targets.find((t) => t.url.endsWith('/board'))?.file).toMatch(/02-meetings\.md$/);
  });

  test('leaves out what cannot be fetched or never reaches subscribers', () => {
    const targets = collectLinkTargets([markdownFile('skipped.md', itemText(body))]);
    const urls = targets.map((t) => t.url).join(' ');
    for (const absent of [
      'mailto:',
      '#top',
      '/events',
      'chart.png"',
      'local',
      'ftp:',
      'unused',
      'not-this',
      '"#x"',
    ])
      expect(urls).not.toContain(absent);
    // Without the loaded issue there is no front matter to read.
    expect(targets.some((t) => t.url.includes('fm-report'))).toBe(false);
  });
});

/** The servers of this test are on 127.0.0.1: a private address, asked for only when the site says so. */
const LOCAL = { allowPrivateAddresses: true };

describe('checkLinks against a local server', () => {
  const options = { ...LOCAL, timeoutMs: 3000 };

  test('addresses that answer, after HEAD is refused or a redirect, are fine', async () => {
    const text = itemText(
      `[a](${base}/ok) [b](${base}/no-head) [c](${base}/moved) ![d](${base}/picture.png) [e](${base}/stream)`,
    );
    const result = await checkLinks(collectLinkTargets([markdownFile('fine.md', text)]), options);
    expect(result.problems).toEqual([]);
    expect(result).toMatchObject({ checked: 5, fromCache: 0 });
    expect(requestsFor('/ok')).toEqual(['HEAD', 'HEAD']); // itself, then as the redirect's end
    expect(requestsFor('/no-head')).toEqual(['HEAD', 'GET']);
    expect(requestsFor('/picture.png')).toEqual(['HEAD']);
    expect(seen.every((s) => s.userAgent.startsWith('Bulletin-link-check/'))).toBe(true);
  });

  test('a GET stops reading after the headers', async () => {
    const started = Date.now();
    await checkLinks([link(`${base}/stream`)], options);
    // The body never ends: it closes only if the checker cancels it (or afterAll does, long after).
    expect(await streamClosed).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('404, 410 and a redirect to a missing page are broken links: errors at their places', async () => {
    const text = itemText(
      `Read [the old page](${base}/missing).\n\nAnd ![gone](${base}/gone), [moved](${base}/moved-to-missing), [fine](${base}/ok).`,
    );
    const file = markdownFile('broken.md', text);
    const { problems } = await checkLinks(collectLinkTargets([file]), options);
    expect(problems).toEqual([
      expect.objectContaining({
        code: 'link-broken',
        severity: 'error',
        file: file.source.path,
        ...placeOf(text, '[the old page]'),
        message: `The link to ${base}/missing answered 404 Not Found.`,
        hint: 'Correct the address, or remove the link; subscribers would land on an error page.',
      }),
      expect.objectContaining({
        code: 'link-broken',
        severity: 'error',
        ...placeOf(text, '![gone]'),
        message: `The image at ${base}/gone answered 410 Gone.`,
        hint: expect.stringContaining('broken image'),
      }),
      expect.objectContaining({
        code: 'link-broken',
        severity: 'error',
        ...placeOf(text, '[moved]'),
        message: `The link to ${base}/moved-to-missing answered 404 Not Found.`,
      }),
    ]);
    expect(problems[0]!.frame).toContain('[the old page]');
  });

  test('errors, refusals and a page used as an image are warnings: not verified', async () => {
    const text = itemText(
      [
        `[e](${base}/error)`,
        `[f](${base}/forbidden)`,
        `[r](${refusedBase}/ok)`,
        `![page](${base}/ok)`,
        `![png](${base}/picture.png)`,
        `[page](${base}/ok)`,
      ].join('\n'),
    );
    const file = markdownFile('unverified.md', text);
    const { problems } = await checkLinks(collectLinkTargets([file]), options);
    expect(problems.map(({ code, severity, line, message }) => ({ code, severity, line, message }))).toEqual([
      {
        code: 'link-unverified',
        severity: 'warning',
        line: 5,
        message: `The link to ${base}/error could not be verified: it answered 500 Internal Server Error.`,
      },
      {
        code: 'link-unverified',
        severity: 'warning',
        line: 6,
        message: `The link to ${base}/forbidden could not be verified: it answered 403 Forbidden.`,
      },
      {
        code: 'link-unverified',
        severity: 'warning',
        line: 7,
        message: `The link to ${refusedBase}/ok could not be verified: the server refused the connection.`,
      },
      {
        code: 'link-unverified',
        severity: 'warning',
        line: 8,
        message: `The image at ${base}/ok is not an image: it is served as text/html.`,
      },
    ]);
    expect(problems.every((p) => p.hint && p.frame && p.column === 1)).toBe(true);
    expect(requestsFor('/error')).toEqual(['HEAD', 'GET']);
  });

  test('silence is a warning, and is not asked again with GET: the wait is one timeout, as the message says', async () => {
    // Alone: a short timeout is only for the address that must not answer.
    const { problems } = await checkLinks([link(`${base}/hang`)], { ...LOCAL, timeoutMs: 300 });
    expect(problems.map((p) => [p.code, p.severity, p.message])).toEqual([
      [
        'link-unverified',
        'warning',
        `The link to ${base}/hang could not be verified: no answer within 0.3 s.`,
      ],
    ]);
    expect(requestsFor('/hang')).toEqual(['HEAD']);
  });

  test('each distinct address is fetched once, and each place reported', async () => {
    const text = itemText(
      `[a](${base}/missing) [b](${base}/missing#part) [c](${base}/missing)\n\n[d](${base}/ok) [e](${base}/ok)`,
    );
    const { problems, checked } = await checkLinks(
      collectLinkTargets([markdownFile('repeated.md', text)]),
      options,
    );
    expect(problems.map((p) => p.column)).toEqual([
      placeOf(text, '[a]').column,
      placeOf(text, '[b]').column,
      placeOf(text, '[c]').column,
    ]);
    expect(checked).toBe(2);
    expect(requestsFor('/missing')).toEqual(['HEAD', 'GET']);
    expect(requestsFor('/ok')).toEqual(['HEAD']);
  });

  const slowTargets = (count: number, at: string) =>
    Array.from(
      { length: count },
      (_, i): LinkTarget => ({ url: `${at}/slow?n=${i}`, kind: 'link', file: 'slow.md', line: 1, column: 1 }),
    );

  test('never more requests in flight than the overall cap', async () => {
    const result = await checkLinks([...slowTargets(10, base), ...slowTargets(10, otherBase)], {
      ...LOCAL,
      concurrency: 3,
      perHost: 3,
      timeoutMs: 5000,
    });
    expect(result.problems).toEqual([]);
    expect(seen).toHaveLength(20);
    expect(inFlight.max).toBe(3);
  });

  test('never more requests to one host than its cap, while other hosts proceed', async () => {
    await checkLinks([...slowTargets(10, base), ...slowTargets(10, otherBase)], {
      ...LOCAL,
      concurrency: 8,
      perHost: 2,
      timeoutMs: 5000,
    });
    expect([...inFlight.byPort.values()].map((p) => p.max)).toEqual([2, 2]);
    expect(inFlight.max).toBe(4);
  });

  describe('the cache', () => {
    const targets = (): LinkTarget[] =>
      [`${base}/ok`, `${base}/no-head`, `${base}/missing`, `${refusedBase}/ok`].map((url) => ({
        url,
        kind: 'link',
        file: 'c.md',
        line: 1,
        column: 1,
      }));
    let clock = 1_000_000;
    const now = () => clock;

    test('a second run asks again only about failures, until answers expire', async () => {
      const cacheFile = join(work, 'cache', 'nested', 'links.json');
      const first = await checkLinks(targets(), { ...options, cacheFile, now });
      expect(first).toMatchObject({ checked: 4, fromCache: 0 });
      expect(existsSync(cacheFile)).toBe(true);
      expect(readdirSync(join(work, 'cache', 'nested'))).toEqual(['links.json']);

      seen.length = 0;
      clock += 60_000;
      const second = await checkLinks(targets(), { ...options, cacheFile, now });
      // The 404 is kept for minutes, the refused connection not at all.
      expect(second).toMatchObject({ checked: 4, fromCache: 3 });
      expect(second.problems.map((p) => p.code)).toEqual(first.problems.map((p) => p.code));
      expect(seen).toEqual([]);

      clock += 10 * 60_000;
      await checkLinks(targets(), { ...options, cacheFile, now });
      expect(seen.map((s) => s.path)).toEqual(['/missing', '/missing']);

      seen.length = 0;
      clock += 25 * 60 * 60_000;
      const expired = await checkLinks(targets(), { ...options, cacheFile, now });
      expect(expired.fromCache).toBe(0);
      expect(requestsFor('/ok')).toEqual(['HEAD']);
    });

    test('a corrupt cache is ignored and replaced', async () => {
      const cacheFile = join(work, 'corrupt.json');
      writeFileSync(cacheFile, '{"version": 1, "entries": {"http://x/": {"outcome": 7');
      const result = await checkLinks(targets(), { ...options, cacheFile });
      expect(result.fromCache).toBe(0);
      expect(requestsFor('/ok')).toEqual(['HEAD']);
      expect(JSON.parse(readFileSync(cacheFile, 'utf8')).entries[`${base}/ok`].outcome).toEqual({
        result: 'answered',
        status: 200,
        contentType: 'text/html; charset=utf-8',
      });
    });

    test('an unwritable cache costs time, not the check', async () => {
      const blocker = join(work, 'a-file');
      writeFileSync(blocker, '');
      const result = await checkLinks(targets(), { ...options, cacheFile: join(blocker, 'links.json') });
      expect(result.problems.map((p) => p.code)).toEqual(['link-broken', 'link-unverified']);
    });
  });
});

describe('stopping a check', () => {
  const entriesOf = (file: string) => Object.keys(JSON.parse(readFileSync(file, 'utf8')).entries);

  test('an abort drops the request in flight, starts no other, and resolves with what was found', async () => {
    const cacheFile = join(work, 'aborted.json');
    const controller = new AbortController();
    let abortedAt = 0;
    // 100 ms after /hang is asked (not after the start: /ok must be done by then, however slow the machine).
    hangArrived = () =>
      setTimeout(() => {
        abortedAt = Date.now();
        controller.abort();
      }, 100);
    // One request at a time: /ok, then /hang, then /missing, which must never be asked.
    const result = await checkLinks([link(`${base}/ok`), link(`${base}/hang`), link(`${base}/missing`)], {
      ...LOCAL,
      cacheFile,
      concurrency: 1,
      timeoutMs: 10_000,
      signal: controller.signal,
    });
    expect(abortedAt).toBeGreaterThan(0);
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    expect(result).toEqual({ problems: [], checked: 1, notAsked: 0, fromCache: 0, aborted: true });
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual(['HEAD /ok', 'HEAD /hang']);
    // The dropped request is not taken for a timeout, and not remembered as one.
    expect(entriesOf(cacheFile)).toEqual([`${base}/ok`]);
  });

  test('a signal aborted already asks no one, and still reports what the cache knows', async () => {
    const cacheFile = join(work, 'aborted-before.json');
    await checkLinks([link(`${base}/missing`)], { ...LOCAL, timeoutMs: 3000, cacheFile });
    seen.length = 0;
    const result = await checkLinks([link(`${base}/missing`), link(`${base}/ok`)], {
      ...LOCAL,
      cacheFile,
      signal: AbortSignal.abort(),
    });
    expect(seen).toEqual([]);
    expect(result).toMatchObject({ checked: 1, fromCache: 1, aborted: true });
    expect(result.problems.map((p) => p.code)).toEqual(['link-broken']);
  });

  test('a check that finishes is not aborted', async () => {
    const result = await checkLinks([link(`${base}/ok`)], {
      ...LOCAL,
      timeoutMs: 3000,
      signal: new AbortController().signal,
    });
    expect(result).toEqual({ problems: [], checked: 1, notAsked: 0, fromCache: 0, aborted: false });
  });
});

describe('checks sharing a cache file (fake fetch)', () => {
  const answered = (status: number, checkedAt: number) => ({
    outcome: { result: 'answered', status },
    checkedAt,
  });
  const entriesOf = (file: string) =>
    JSON.parse(readFileSync(file, 'utf8')).entries as Record<string, unknown>;

  test('two checks at once, on different addresses, both keep what they learned', async () => {
    const cacheFile = join(work, 'shared', 'links.json');
    // Every request waits until both checks have asked something, so both have read the (missing) file before
    // either saves.
    const asked = new Set<string>();
    let bothAsked!: () => void;
    const together = new Promise<void>((resolve) => (bothAsked = resolve));
    const fetchTogether: typeof fetch = async (input) => {
      asked.add(new URL(String(input)).hostname.split('-')[0]!);
      if (asked.size === 2) bothAsked();
      await together;
      return new Response(null, { status: 200 });
    };
    const urls = (run: string) => [1, 2, 3].map((n) => `https://${run}-${n}.invalid/`);
    await Promise.all(
      ['first', 'second'].map((run) => checkLinks(urls(run).map(link), { cacheFile, fetch: fetchTogether })),
    );
    expect(Object.keys(entriesOf(cacheFile)).sort()).toEqual([...urls('first'), ...urls('second')].sort());
  });

  test('what another process saved during a check is kept, and per address the newer outcome wins', async () => {
    const cacheFile = join(work, 'other-process.json');
    const clock = 5_000_000;
    const theirs = {
      'https://elsewhere.invalid/': answered(200, clock - 1),
      'https://later.invalid/': answered(204, clock + 1),
      'https://older.invalid/': answered(204, clock - 1),
    };
    // While this check waits for its answers, another process saves the file.
    const meanwhile: typeof fetch = async () => {
      writeFileSync(cacheFile, JSON.stringify({ version: 1, entries: theirs }));
      return new Response(null, { status: 200 });
    };
    await checkLinks(
      ['https://mine.invalid/', 'https://later.invalid/', 'https://older.invalid/'].map(link),
      { cacheFile, fetch: meanwhile, now: () => clock },
    );
    expect(entriesOf(cacheFile)).toEqual({
      'https://elsewhere.invalid/': answered(200, clock - 1),
      'https://later.invalid/': answered(204, clock + 1),
      'https://older.invalid/': answered(200, clock),
      'https://mine.invalid/': answered(200, clock),
    });
  });
});

describe('a host that does not exist, or no network (fake fetch: nothing is looked up)', () => {
  const OFFLINE_HINT =
    'This computer seems to be offline; check the connection, or run with --offline (BULLETIN_OFFLINE=1) to skip the network check.';
  /** What each fake fetch was asked, as `METHOD url`. */
  let asked: string[] = [];
  const systemFailure = (code: string, host: string) =>
    new TypeError('fetch failed', {
      cause: Object.assign(new Error(`getaddrinfo ${code} ${host}`), { code, hostname: host }),
    });
  /**
   * A network where only `answering` hosts answer (200); every other request fails with the code its host
   * name starts with, else `otherwise`.
   */
  const network =
    (answering: readonly string[], otherwise = 'ENOTFOUND'): typeof fetch =>
    async (input, init) => {
      const url = new URL(String(input));
      expect(init?.signal).toBeInstanceOf(AbortSignal);
      asked.push(`${init?.method} ${url.href}`);
      if (answering.includes(url.hostname)) return new Response(null, { status: 200 });
      const code = /^(e[a-z_]+)\./i.exec(url.hostname)?.[1]?.toUpperCase() ?? otherwise;
      throw systemFailure(code, url.hostname);
    };
  const dnsLink = (url: string): LinkTarget => ({ url, kind: 'link', file: 'dns.md', line: 3, column: 7 });
  const typoBroken = {
    code: 'link-broken',
    severity: 'error',
    file: 'dns.md',
    line: 3,
    column: 7,
    message:
      'The link to https://no-such-host.invalid/page names the host no-such-host.invalid, which does not exist.',
    hint: expect.any(String),
  };
  const brief = (problems: { code: string; severity: string; message: string; hint?: string }[]) =>
    problems.map((p) => [p.code, p.severity, p.message, p.hint]);

  beforeEach(() => {
    asked = [];
  });

  test('is a broken link when other addresses answer', async () => {
    const { problems } = await checkLinks(
      [dnsLink('https://answers.invalid/'), dnsLink('https://no-such-host.invalid/page')],
      { fetch: network(['answers.invalid']) },
    );
    expect(problems).toEqual([typoBroken]);
  });

  test('is only a warning when nothing answers: this computer may be offline', async () => {
    const { problems } = await checkLinks(
      [dnsLink('https://no-such-host.invalid/page'), dnsLink('https://other.invalid/')],
      { fetch: network([]) },
    );
    expect(brief(problems)).toEqual([
      [
        'link-unverified',
        'warning',
        'The link to https://no-such-host.invalid/page could not be verified: its host name could not be looked up.',
        OFFLINE_HINT,
      ],
      [
        'link-unverified',
        'warning',
        'The link to https://other.invalid/ could not be verified: its host name could not be looked up.',
        OFFLINE_HINT,
      ],
    ]);
  });

  describe('when the addresses that answer come from the cache', () => {
    const targets = () => [dnsLink('https://answers.invalid/'), dnsLink('https://no-such-host.invalid/page')];
    let cacheFile: string;

    beforeEach(async () => {
      cacheFile = join(work, `dns-${Math.random().toString(36).slice(2)}.json`);
      await checkLinks([dnsLink('https://answers.invalid/')], {
        cacheFile,
        fetch: network(['answers.invalid']),
      });
      asked = [];
    });

    test('is still a broken link when a cached address answers again', async () => {
      const result = await checkLinks(targets(), { cacheFile, fetch: network(['answers.invalid']) });
      expect(result.problems).toEqual([typoBroken]);
      expect(result.fromCache).toBe(1);
      // The new address, then one HEAD to an address that answered before, to tell a typo from no network.
      expect(asked).toEqual(['HEAD https://no-such-host.invalid/page', 'HEAD https://answers.invalid/']);
    });

    test('is a warning when the cached address is silent too: offline', async () => {
      const { problems } = await checkLinks(targets(), { cacheFile, fetch: network([]) });
      expect(brief(problems)).toEqual([
        [
          'link-unverified',
          'warning',
          'The link to https://no-such-host.invalid/page could not be verified: its host name could not be looked up.',
          OFFLINE_HINT,
        ],
      ]);
      expect(asked).toEqual(['HEAD https://no-such-host.invalid/page', 'HEAD https://answers.invalid/']);
    });
  });

  test('a name server or network that is down is a warning, never an error, and not asked again with GET', async () => {
    const urls = ['https://eai_again.invalid/', 'https://enetunreach.invalid/', 'https://enetdown.invalid/'];
    const online = await checkLinks([dnsLink('https://answers.invalid/'), ...urls.map(dnsLink)], {
      fetch: network(['answers.invalid']),
    });
    expect(brief(online.problems)).toEqual([
      [
        'link-unverified',
        'warning',
        'The link to https://eai_again.invalid/ could not be verified: its host name could not be looked up just now.',
        expect.not.stringContaining('offline'),
      ],
      [
        'link-unverified',
        'warning',
        "The link to https://enetunreach.invalid/ could not be verified: this computer's network could not reach it (ENETUNREACH).",
        expect.not.stringContaining('offline'),
      ],
      [
        'link-unverified',
        'warning',
        "The link to https://enetdown.invalid/ could not be verified: this computer's network could not reach it (ENETDOWN).",
        expect.not.stringContaining('offline'),
      ],
    ]);
    expect(asked.filter((a) => a.startsWith('GET'))).toEqual([]);

    const offline = await checkLinks(urls.map(dnsLink), { fetch: network([]) });
    expect(offline.problems.map((p) => [p.severity, p.hint])).toEqual(
      urls.map(() => ['warning', OFFLINE_HINT]),
    );
  });
});
