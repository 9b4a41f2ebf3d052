/**
 * The link checker must not be a way into the network it runs in: content that links to this
 * computer, a private network or a cloud metadata address gets a warning, and no request.
 *
 * Tested as an attacker would: `bulletin check` on a site whose item links to 127.0.0.1 in every
 * spelling, with a real listener on 127.0.0.1 that must see nothing. Redirect hops and DNS
 * rebinding need a host that is allowed, and tests have no public server: there the guarded fetch
 * is given a resolver for made-up names and a policy under which 127.0.0.1 plays the public
 * address and `::ffff:127.0.0.1` (the same listener, reached by IPv6) the private one.
 */
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { isPublicAddress } from '../src/checks/link-address.js';
import { checkLinks } from '../src/checks/link-checker.js';
import { guardedFetch, type Resolve } from '../src/checks/link-connect.js';
import type { LinkTarget } from '../src/checks/link-targets.js';
import { bulletin, repoRoot, spawnBulletin, type CheckReport } from './helpers/cli.js';
import { buildEvents, startPreview } from './helpers/preview.js';
import { londonTime, startServe } from './helpers/serve.js';
import { placeOf, tempSite } from './helpers/site.js';

const DATE = '2018-05-25';
const ONLINE = { BULLETIN_OFFLINE: '' };

let server: Server;
let port: number;
/** Every request the listener saw, as `METHOD /path`. */
const seen: string[] = [];

function route(request: IncomingMessage, response: ServerResponse): void {
  const path = request.url ?? '/';
  seen.push(`${request.method} ${path}`);
  const redirect = (to: string) => response.writeHead(302, { location: to }).end();
  if (path === '/no-head' && request.method === 'HEAD') response.writeHead(405).end();
  else if (path === '/to-mapped') redirect(`http://[::ffff:127.0.0.1]:${port}/secret`);
  else if (path === '/to-zero') redirect(`http://0.0.0.0:${port}/secret`);
  else if (path === '/to-inside') redirect(`http://inside.test:${port}/secret`);
  else if (path === '/to-public') redirect(`http://public.test:${port}/ok`);
  else if (path === '/loop') redirect('/loop');
  else response.writeHead(200, { 'content-type': 'text/html' }).end('<p>ok</p>');
}

beforeAll(async () => {
  server = createServer(route);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen.length = 0;
});

const link = (url: string): LinkTarget => ({ url, kind: 'link', file: 'l.md', line: 1, column: 1 });
const brief = (problems: { code: string; severity: string; message: string }[]) =>
  problems.map((p) => [p.code, p.severity, p.message]);

/** Each spelling of 127.0.0.1 an attacker might try, with the address it is reported as. */
const spellings = () => [
  { name: 'dotted', url: `http://127.0.0.1:${port}/dotted`, address: '127.0.0.1' },
  { name: 'decimal', url: `http://2130706433:${port}/decimal`, address: '127.0.0.1' },
  { name: 'hex', url: `http://0x7f000001:${port}/hex`, address: '127.0.0.1' },
  { name: 'short', url: `http://127.1:${port}/short`, address: '127.0.0.1' },
  { name: 'octal', url: `http://0177.0.0.1:${port}/octal`, address: '127.0.0.1' },
  { name: 'mapped', url: `http://[::ffff:127.0.0.1]:${port}/mapped`, address: '::ffff:7f00:1' },
  { name: 'zero', url: `http://0.0.0.0:${port}/zero`, address: '0.0.0.0' },
  { name: 'localhost', url: `http://localhost:${port}/localhost`, address: '127.0.0.1 or ::1' },
];

/** The sample issue with every web address pointed at the listener, and one line per spelling. */
function siteLinkingInside() {
  const site = tempSite();
  const folder = join(site.root, 'bulletins', DATE);
  cpSync(join(repoRoot, 'bulletins', DATE), folder, { recursive: true });
  for (const name of readdirSync(folder)) {
    writeFileSync(
      join(folder, name),
      readFileSync(join(folder, name), 'utf8').replace(
        /https?:\/\/[^\s)>"']+/g,
        `http://127.0.0.1:${port}/page`,
      ),
    );
  }
  const added = spellings()
    .map((s) => `See [the ${s.name} page](${s.url}).`)
    .join('\n\n');
  const item = join(folder, '03-carers-week.md');
  writeFileSync(
    item,
    readFileSync(item, 'utf8').replace('If your organisation', `${added}\n\nIf your organisation`),
  );
  return { site, item };
}

describe('bulletin check, with the default config', () => {
  test('asks nothing of 127.0.0.1 in any spelling: each is a warning, "not checked: private address", at its place', async () => {
    const { site, item } = siteLinkingInside();
    try {
      const first = await spawnBulletin(['check', DATE, '--json'], site.root, ONLINE).done;
      expect(seen).toEqual([]);
      expect(first.status).toBe(0);
      // The summary does not claim a check that was not made.
      expect(first.stderr).toMatch(
        /Checked 0 web addresses in [\d.]+ s; 9 not asked \(private addresses\): \d+ problems\./,
      );
      const report = JSON.parse(first.stdout) as CheckReport;
      const problems = report.issues[0]!.problems.filter((p) => p.code.startsWith('link-'));
      expect(problems.every((p) => p.code === 'link-private' && p.severity === 'warning')).toBe(true);
      const text = readFileSync(item, 'utf8');
      for (const spelling of spellings()) {
        const written = `[the ${spelling.name} page]`;
        const before = text.slice(0, text.indexOf(written)).split('\n');
        const place = `bulletins/${DATE}/03-carers-week.md:${before.length}:${before.at(-1)!.length + 1} link-private`;
        const problem = problems.find((p) => placeOf(p) === place);
        const said = (address: string) =>
          `The link to ${spelling.url} was not checked: private address (${address}).`;
        expect(spelling.address.split(' or ').map(said)).toContain(problem?.message);
        expect(problem!.hint).toContain('linkCheck.allowPrivateAddresses: true');
      }

      // Not an answer: nothing is remembered, so the next check decides afresh (and asks nothing again).
      const second = await spawnBulletin(['check', DATE], site.root, ONLINE).done;
      expect(seen).toEqual([]);
      expect(second.stderr).not.toMatch(/from the last check/);
      const cacheFile = join(site.root, '.bulletin', 'cache', 'links.json');
      if (existsSync(cacheFile))
        expect(
          Object.keys((JSON.parse(readFileSync(cacheFile, 'utf8')) as { entries: object }).entries),
        ).toEqual([]);

      // The explicit opt-in: intranet links are checked like any other.
      const config = join(site.root, 'bulletin.config.yaml');
      writeFileSync(
        config,
        readFileSync(config, 'utf8').replace('linkCheck:\n', 'linkCheck:\n  allowPrivateAddresses: true\n'),
      );
      const allowed = await spawnBulletin(['check', DATE, '--json'], site.root, ONLINE).done;
      expect(allowed.status).toBe(0);
      expect([...new Set(seen)].sort()).toEqual(
        [...spellings().map((s) => `HEAD /${s.name}`), 'HEAD /page'].sort(),
      );
    } finally {
      site.remove();
    }
  }, 60_000);
});

describe('the preview and the server before a scheduled send, with the default config', () => {
  test('the preview asks nothing of 127.0.0.1, and shows each link as not checked', async () => {
    const { site } = siteLinkingInside();
    const preview = await startPreview(site.root, [DATE], ONLINE);
    const events = await buildEvents(preview.origin);
    try {
      const checked = await events.next((state) => state.links.state === 'checked');
      const linkProblems = checked.problems.filter((p) => p.code.startsWith('link-'));
      expect(linkProblems.length).toBeGreaterThanOrEqual(spellings().length);
      expect(linkProblems.every((p) => p.code === 'link-private')).toBe(true);
      expect(seen).toEqual([]);
    } finally {
      events.close();
      await preview.stop();
      site.remove();
    }
  }, 60_000);

  test('bulletin serve asks nothing of 127.0.0.1 before a scheduled send, and sends: the warnings do not hold it', async () => {
    const { site } = siteLinkingInside();
    try {
      expect(bulletin(['build', '--all'], site.root).status).toBe(0);
      expect(bulletin(['subscribers', 'add', 'ann@example.org', '--list', 'weekly'], site.root).status).toBe(
        0,
      );
      const scheduled = await spawnBulletin(
        ['schedule', DATE, '--list', 'weekly', '--at', londonTime(1)],
        site.root,
        ONLINE,
      ).done;
      expect(scheduled.status).toBe(0);
      const server = startServe(site.root, ONLINE);
      await server.until(/weekly (failed|done|is due but waits)/, 30_000);
      await server.stop();
      expect(server.said()).toMatch(/schedule: 2018-05-25 to weekly done/);
      expect(seen).toEqual([]);
    } finally {
      site.remove();
    }
  }, 60_000);
});

describe('the guarded fetch: every hop and every connection decided by the address connected to', () => {
  /**
   * 127.0.0.1 stands in for a public address; anything else (here `::ffff:127.0.0.1`, `0.0.0.0`) is private.
   */
  const allows = (address: string) => address === '127.0.0.1';
  /** Names the test makes up; each call answers the next of its list, the last one for ever after. */
  function resolver(names: Record<string, string[][]>): Resolve & { calls: string[] } {
    const calls: string[] = [];
    const resolve = async (hostname: string) => {
      calls.push(hostname);
      const answers = names[hostname];
      if (!answers)
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
      const answer = answers[Math.min(calls.filter((c) => c === hostname).length, answers.length) - 1]!;
      return answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };
    return Object.assign(resolve, { calls });
  }
  const options = (resolve: Resolve) => ({ fetch: guardedFetch({ resolve, allows }), timeoutMs: 3000 });

  test('a redirect hop to a private address is refused, and the hop never reaches the listener', async () => {
    const resolve = resolver({ 'public.test': [['127.0.0.1']], 'inside.test': [['::ffff:127.0.0.1']] });
    const links = ['/to-mapped', '/to-zero', '/to-inside'].map((path) =>
      link(`http://public.test:${port}${path}`),
    );
    const { problems } = await checkLinks(links, options(resolve));
    expect(brief(problems)).toEqual([
      [
        'link-private',
        'warning',
        `The link to http://public.test:${port}/to-mapped was not checked: private address (it redirects to http://[::ffff:7f00:1]:${port}/secret, at ::ffff:7f00:1).`,
      ],
      [
        'link-private',
        'warning',
        `The link to http://public.test:${port}/to-zero was not checked: private address (it redirects to http://0.0.0.0:${port}/secret, at 0.0.0.0).`,
      ],
      [
        'link-private',
        'warning',
        `The link to http://public.test:${port}/to-inside was not checked: private address (it redirects to http://inside.test:${port}/secret, at ::ffff:127.0.0.1).`,
      ],
    ]);
    // Each first hop once (HEAD; a refusal is final, so no GET), and no hop to /secret.
    expect(seen.sort()).toEqual(['HEAD /to-inside', 'HEAD /to-mapped', 'HEAD /to-zero']);
  });

  test('a redirect to an allowed host is followed, checked again there', async () => {
    const resolve = resolver({ 'public.test': [['127.0.0.1']] });
    const { problems } = await checkLinks([link(`http://public.test:${port}/to-public`)], options(resolve));
    expect(problems).toEqual([]);
    expect(seen).toEqual(['HEAD /to-public', 'HEAD /ok']);
    expect(resolve.calls).toEqual(['public.test', 'public.test']);
  });

  test('rebinding: the connection goes to the address that was checked, and the GET after a refused HEAD is checked again', async () => {
    // First answer allowed, every later one private: a name server turning on the checker between requests.
    const resolve = resolver({ 'rebind.test': [['127.0.0.1'], ['::ffff:127.0.0.1']] });
    const { problems } = await checkLinks([link(`http://rebind.test:${port}/no-head`)], options(resolve));
    // HEAD went to the first answer (the one checked); its refusal made a GET, whose connection
    // asked again, got the private answer, and was never made.
    expect(seen).toEqual(['HEAD /no-head']);
    expect(resolve.calls).toEqual(['rebind.test', 'rebind.test']);
    expect(brief(problems)).toEqual([
      [
        'link-private',
        'warning',
        `The link to http://rebind.test:${port}/no-head was not checked: private address (::ffff:127.0.0.1).`,
      ],
    ]);
  });

  test('rebinding: a name looked up once per connection, so an answer that changes later is never used unchecked', async () => {
    const resolve = resolver({ 'rebind.test': [['127.0.0.1'], ['::ffff:127.0.0.1']] });
    const { problems } = await checkLinks([link(`http://rebind.test:${port}/ok`)], options(resolve));
    expect(problems).toEqual([]);
    expect(seen).toEqual(['HEAD /ok']);
    expect(resolve.calls).toEqual(['rebind.test']);
  });

  test('a name with a private address among its answers is refused outright', async () => {
    const resolve = resolver({ 'mixed.test': [['127.0.0.1', '::ffff:127.0.0.1']] });
    const { problems } = await checkLinks([link(`http://mixed.test:${port}/ok`)], options(resolve));
    expect(seen).toEqual([]);
    expect(brief(problems)).toEqual([
      [
        'link-private',
        'warning',
        `The link to http://mixed.test:${port}/ok was not checked: private address (::ffff:127.0.0.1).`,
      ],
    ]);
  });

  test('redirects are followed by hand, up to a limit: a loop is reported as one', async () => {
    const { problems } = await checkLinks([link(`http://127.0.0.1:${port}/loop`)], {
      allowPrivateAddresses: true,
      timeoutMs: 3000,
    });
    expect(brief(problems)).toEqual([
      [
        'link-unverified',
        'warning',
        `The link to http://127.0.0.1:${port}/loop could not be verified: it redirects in a loop.`,
      ],
    ]);
    // The first request and 20 redirects, with HEAD and then (a loop is no answer) with GET.
    expect(seen).toEqual([...Array(21).fill('HEAD /loop'), ...Array(21).fill('GET /loop')]);
  });

  test('with the default policy, 127.0.0.1 is not asked; with allowPrivateAddresses it is', async () => {
    const refused = await checkLinks([link(`http://127.0.0.1:${port}/ok`)], { timeoutMs: 3000 });
    expect(brief(refused.problems)).toEqual([
      [
        'link-private',
        'warning',
        `The link to http://127.0.0.1:${port}/ok was not checked: private address (127.0.0.1).`,
      ],
    ]);
    expect(seen).toEqual([]);
    const allowed = await checkLinks([link(`http://127.0.0.1:${port}/ok`)], {
      allowPrivateAddresses: true,
      timeoutMs: 3000,
    });
    expect(allowed.problems).toEqual([]);
    expect(seen).toEqual(['HEAD /ok']);
  });
});

describe('which addresses are public', () => {
  test.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700:4700::1111',
    '2a00:1450:4009:81f::200e',
    '64:ff9b::808:808', // NAT64 of 8.8.8.8
    '2002:808:808::1', // 6to4 of 8.8.8.8
  ])('%s is public', (address) => expect(isPublicAddress(address)).toBe(true));

  test.each([
    '127.0.0.1',
    '127.255.255.254',
    '0.0.0.0',
    '0.1.2.3',
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.255',
    '192.0.0.1',
    '192.0.2.1',
    '198.18.0.1',
    '198.19.255.255',
    '198.51.100.1',
    '203.0.113.1',
    '224.0.0.1',
    '239.255.255.250',
    '240.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '::127.0.0.1',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'fe80::1%eth0',
    'fec0::1',
    'ff02::1',
    '2001:db8::1',
    '2001::1',
    '64:ff9b::7f00:1',
    '64:ff9b::a00:1',
    '64:ff9b:1::a00:1',
    '2002:7f00:1::1',
    '2002:a9fe:a9fe::1',
    '100::1',
    'not an address',
    '',
  ])('%s is not public', (address) => expect(isPublicAddress(address)).toBe(false));
});
