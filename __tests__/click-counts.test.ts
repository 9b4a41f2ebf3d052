import { appendFileSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeHTMLAttribute } from 'entities';
import { type ParsedMail, simpleParser } from 'mailparser';
import { bulletin, repoRoot, spawnBulletin } from './helpers/cli.js';
import { londonTime, originOf, startServe } from './helpers/serve.js';
import { tempSite } from './helpers/site.js';
import { startSmtpServer } from './helpers/smtp.js';

const DATE = '2018-05-11';
const SECRET = 'click-counts-test-secret';
const BASE = 'https://bulletin.wyhpartnership.example';
const BROWSER = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148';
/** Another person's phone: another client for the burst rule. */
const OTHER_BROWSER =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/124.0 Mobile Safari/537.36';

const CLICK_URL = new RegExp(`${BASE}/r/${DATE}/[0-9a-f]{10}\\?s=[A-Za-z0-9_-]{22}`, 'g');

function clickUrls(mail: ParsedMail): { html: string[]; text: string[] } {
  return {
    html: [...String(mail.html).matchAll(CLICK_URL)].map((m) => m[0]),
    text: [...String(mail.text).matchAll(CLICK_URL)].map((m) => m[0]),
  };
}

/** `bulletin serve` on a free port of 127.0.0.1; its origin once it listens. */
async function serve(root: string, env: Record<string, string>) {
  const server = startServe(root, env);
  return { origin: await originOf(server), stop: server.stop };
}

/** A click as a mail app makes it: the path of the /r/ address, against the local server, not followed. */
function follow(origin: string, address: string, agent: string, method = 'GET') {
  const url = new URL(address);
  return fetch(`${origin}${url.pathname}${url.search}`, {
    method,
    redirect: 'manual',
    headers: { 'user-agent': agent },
  });
}

test('analytics.clicks: one send, the same /r/ links for everyone; clicks counted, scanners apart, tampering refused', async () => {
  const site = tempSite();
  const smtp = await startSmtpServer();
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  try {
    cpSync(join(repoRoot, 'bulletins', DATE), join(site.root, 'bulletins', DATE), { recursive: true });
    appendFileSync(join(site.root, 'bulletin.config.yaml'), '\nanalytics:\n  clicks: true\n');
    writeFileSync(join(site.root, 'members.csv'), 'email,name\nann@example.org,Ann\nbob@example.org,Bob\n');
    const env = { BULLETIN_SECRET: SECRET };
    expect(
      bulletin(['subscribers', 'import', 'members.csv', '--list', 'weekly'], site.root, env).status,
    ).toBe(0);
    const sent = await spawnBulletin(['send', DATE, '--list', 'weekly', '--force', '--json'], site.root, {
      ...env,
      SMTP_URL: smtp.url,
    }).done;
    expect(sent.status).toBe(0);
    expect(smtp.received).toHaveLength(2);

    // Two recipients' messages from one send: the same link addresses, in both parts.
    const [ann, bob] = await Promise.all(smtp.received.slice(0, 2).map((r) => smtp.parse(r)));
    const annLinks = clickUrls(ann!);
    const bobLinks = clickUrls(bob!);
    // The seed week's three links (two in the carers item, one in the lead article) and the
    // contents list's eight (the lead, six items and next week's meetings on the archive page).
    expect(new Set(annLinks.html).size).toBe(11);
    expect(bobLinks).toEqual(annLinks);
    // The text part's contents list names the items without links: its three are among the eleven.
    expect(new Set(annLinks.text).size).toBe(3);
    expect(annLinks.html).toEqual(expect.arrayContaining(annLinks.text));
    // Nothing of the recipient in them; the per-recipient links are untouched; no plain web link is left.
    for (const address of [...annLinks.html, ...annLinks.text])
      expect(address).not.toMatch(/ann@|bob@|token=/i);
    const hrefs = [...String(ann!.html).matchAll(/href="([^"]*)"/g)].map((m) => decodeHTMLAttribute(m[1]!));
    const untracked = hrefs.filter((h) => /^https?:/.test(h) && !h.startsWith(`${BASE}/r/`));
    expect(untracked.length).toBeGreaterThan(0);
    for (const href of untracked)
      expect(href).toMatch(/\/(unsubscribe|preferences)\?token=|\/issues\/2018-05-11\/$/);
    expect(hrefs.some((h) => h.startsWith('mailto:'))).toBe(true);
    const listUnsubscribe = ann!.headerLines.find((h) => h.key === 'list-unsubscribe')!.line;
    expect(listUnsubscribe.replace(/\r?\n\s+/g, '')).toMatch(/<https:[^>]*\/unsubscribe\?token=/);

    // The same issue to another list: the same addresses, and the link table as it was.
    writeFileSync(join(site.root, 'leaders.csv'), 'email,name\ncara@example.org,Cara\n');
    expect(
      bulletin(['subscribers', 'import', 'leaders.csv', '--list', 'leaders'], site.root, env).status,
    ).toBe(0);
    const toLeaders = await spawnBulletin(['send', DATE, '--list', 'leaders', '--force'], site.root, {
      ...env,
      SMTP_URL: smtp.url,
    }).done;
    expect(toLeaders.status).toBe(0);
    expect(clickUrls(await smtp.parse(smtp.received[2]!))).toEqual(annLinks);

    expect(bulletin(['build', DATE], site.root, env).status).toBe(0);
    server = await serve(site.root, env);
    const { origin } = server;
    // The links written in the items first (the contents list's lead entry is the issue page,
    // which the text part also shows as "view in your browser").
    const distinct = [...new Set([...annLinks.text, ...annLinks.html])];

    // A reader's click: to the target, counted once.
    const first = await follow(origin, distinct[0]!, BROWSER);
    expect(first.status).toBe(302);
    const target = first.headers.get('location')!;
    expect(target).toMatch(/^https?:\/\//);
    expect(target.startsWith(BASE)).toBe(target.startsWith(`${BASE}/issues/`));
    expect(String(ann!.text)).not.toContain(target);

    // HEAD: answered as a GET would be, but never a reader's click.
    const head = await follow(origin, distinct[1]!, BROWSER, 'HEAD');
    expect(head.status).toBe(302);
    expect(head.headers.get('location')).toMatch(/^https?:\/\//);

    // Tampered: a changed signature, link id or issue answers 400 and goes nowhere.
    const url = new URL(distinct[0]!);
    const signature = url.searchParams.get('s')!;
    const forged = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
    const otherId = new URL(distinct[1]!).pathname.split('/').pop()!;
    const tampered = [
      `${url.pathname}?s=${forged}`,
      `${url.pathname.replace(/[0-9a-f]{10}$/, otherId)}?s=${signature}`,
      `${url.pathname.replace(DATE, '2018-05-18')}?s=${signature}`,
      url.pathname,
      `${url.pathname}?s=${signature}x`,
    ];
    for (const path of tampered) {
      const answer = await fetch(`${origin}${path}`, {
        redirect: 'manual',
        headers: { 'user-agent': BROWSER },
      });
      expect([path, answer.status, answer.headers.get('location')]).toEqual([path, 400, null]);
      expect(await answer.text()).toContain('This link does not work');
    }
    // Open-redirect attempts: a target in the request is never where it goes.
    for (const path of [
      `${url.pathname}?s=${signature}&url=https://evil.example/`,
      `${url.pathname}?s=${signature}&target=https://evil.example/&s=x`,
    ]) {
      const answer = await fetch(`${origin}${path}`, {
        redirect: 'manual',
        headers: { 'user-agent': 'curl/8' },
      });
      // The first still goes where the email's link went; the second has two signatures and is refused.
      expect([answer.status, answer.headers.get('location')]).toEqual(
        path.endsWith('&s=x') ? [400, null] : [302, target],
      );
    }
    for (const path of [
      `/r/${DATE}/..%2F..%2Fevil.example`,
      '/r/https:%2F%2Fevil.example/x?s=a',
      '//evil.example/',
    ]) {
      const answer = await fetch(`${origin}${path}`, { redirect: 'manual' });
      expect(answer.headers.get('location') ?? '').not.toContain('evil.example');
    }

    // A scanner's burst: every link of the issue from one client within a second or two. Its
    // first clicks looked like a reader's until the burst showed otherwise; all become a scanner's.
    for (const address of distinct) expect((await follow(origin, address, OTHER_BROWSER)).status).toBe(302);
    // A known scanner's agent, alone, is a scanner.
    expect((await follow(origin, distinct[2]!, 'Mozilla/5.0 (compatible; Barracuda Sentinel)')).status).toBe(
      302,
    );

    // stats: the table, JSON and CSV agree with what was done.
    const stats = JSON.parse(bulletin(['stats', DATE, '--json'], site.root, env).stdout);
    const first3 = stats.items.flatMap((i: { links: { target: string; readers: number }[] }) => i.links);
    expect(stats).toMatchObject({
      issue: DATE,
      sent: 3,
      delivered: 3,
      readers: 1,
      // The HEAD, curl's click with a target of its own added, the burst (every link), the known scanner.
      scanners: 1 + 1 + distinct.length + 1,
      lists: [
        { list: 'leaders', sent: 1, delivered: 1 },
        { list: 'weekly', sent: 2, delivered: 2 },
      ],
    });
    expect(first3).toHaveLength(distinct.length);
    expect(first3.filter((l: { readers: number }) => l.readers > 0)).toEqual([
      expect.objectContaining({ target, readers: 1 }),
    ]);
    // Per item: the file each link was written in (the lead article is issue.md), and each contents
    // entry counted toward the item it leads to (the lead's entry to issue.md, next week's meetings
    // to meetings.md), in the order the email first links to them.
    expect(
      stats.items.map((i: { item: string; links: unknown[]; scanners: number }) => [i.item, i.links.length]),
    ).toEqual([
      ['issue.md', 2],
      ['01-communication-network.md', 1],
      ['02-carers.md', 3],
      ['04-maternity.md', 1],
      ['05-stroke-programme.md', 1],
      ['03-organisational-development.md', 1],
      ['06-local-health-and-care-record-exemplar.md', 1],
      ['meetings.md', 1],
    ]);

    const table = bulletin(['stats', DATE], site.root, env);
    expect(table.status).toBe(0);
    expect(table.stdout).toContain(`${DATE} weekly: 2 sent, 2 delivered`);
    expect(table.stdout).toContain(`Clicks: 1 by readers, ${distinct.length + 3} by mail scanners`);
    expect(table.stdout).toMatch(
      new RegExp(`  ${target.replace(/[.?*+^$()[\]{}|\\]/g, '\\$&')}\\s+1\\s+\\d+\\n`),
    );

    const csv = bulletin(['stats', DATE, '--csv'], site.root, env).stdout.trim().split('\n');
    expect(csv[0]).toBe('issue,sent,delivered,item,link,target,readers,scanners');
    expect(csv).toHaveLength(distinct.length + 1);
    const readRow = csv.find((row) => row.split(',').at(-2) === '1')!;
    expect(readRow).toContain(target);
    expect(readRow.startsWith(`${DATE},3,3,`)).toBe(true);
    // --list narrows sent and delivered to one list.
    expect(
      JSON.parse(bulletin(['stats', DATE, '--list', 'leaders', '--json'], site.root, env).stdout),
    ).toMatchObject({
      sent: 1,
      lists: [{ list: 'leaders', sent: 1, delivered: 1 }],
      readers: 1,
    });

    // What the server logged of the clicks: no client address.
    const stopped = await server.stop();
    server = undefined;
    const clicks = stopped.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { req?: { url: string; remoteAddress?: string } })
      .filter((l) => l.req?.url.startsWith('/r/'));
    expect(clicks.length).toBeGreaterThan(distinct.length);
    for (const line of clicks) expect(line.req).not.toHaveProperty('remoteAddress');
  } finally {
    await server?.stop();
    await smtp.close();
    site.remove();
  }
}, 120_000);

test('a scheduled send with analytics.clicks: serve rewrites the links, keeps the link table, and redirects them', async () => {
  const site = tempSite();
  let server: ReturnType<typeof startServe> | undefined;
  try {
    cpSync(join(repoRoot, 'bulletins', DATE), join(site.root, 'bulletins', DATE), { recursive: true });
    appendFileSync(join(site.root, 'bulletin.config.yaml'), '\nanalytics:\n  clicks: true\n');
    expect(bulletin(['build', DATE], site.root).status).toBe(0);
    expect(bulletin(['subscribers', 'add', 'ann@example.org', '--list', 'weekly'], site.root).status).toBe(0);
    expect(bulletin(['schedule', DATE, '--list', 'weekly', '--at', londonTime(1)], site.root).status).toBe(0);
    server = startServe(site.root);
    await server.until(/weekly done/);
    const origin = await originOf(server);
    const eml = readFileSync(join(site.root, '.bulletin', 'outbox', DATE, 'weekly', 'ann@example.org.eml'));
    const links = clickUrls(await simpleParser(eml));
    expect(new Set(links.html).size).toBe(11);
    expect(new Set(links.text).size).toBe(3);
    expect(links.html).toEqual(expect.arrayContaining(links.text));
    const answer = await follow(origin, links.html[0]!, BROWSER);
    expect(answer.status).toBe(302);
    expect(answer.headers.get('location')).toMatch(
      /^https:\/\/(www|bulletin)\.(wyhpartnership\.example|kingsfund\.org\.uk)\//,
    );
  } finally {
    await server?.stop();
    site.remove();
  }
}, 120_000);
