import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { isExcluded } from '../src/checks/link-policy.js';
import { bulletin, repoRoot, spawnBulletin, type CheckReport } from './helpers/cli.js';
import { buildEvents, startPreview } from './helpers/preview.js';
import { londonTime, startServe } from './helpers/serve.js';
import { buildInMemory, placeOf, tempSite } from './helpers/site.js';

/**
 * The pre-send checks that need the built email or the network: a text part and unsubscribe
 * links that a custom template can lose, and links that do not answer. Each with a case that
 * passes and one that fails; the network is a local server, never the internet.
 */
const DATE = '2018-05-25';
const ONLINE = { BULLETIN_OFFLINE: '' };

function siteWithIssue() {
  const site = tempSite();
  cpSync(join(repoRoot, 'bulletins', DATE), join(site.root, 'bulletins', DATE), { recursive: true });
  return site;
}

/** A site with its own copy of the built-in templates, one file edited. */
function withTemplate(root: string, name: string, edit: (text: string) => string): void {
  cpSync(join(repoRoot, 'templates'), join(root, 'templates'), { recursive: true });
  const file = join(root, 'templates', 'email', name);
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
}

describe('the built email: a text part and unsubscribe links', () => {
  test('the built-in templates pass', async () => {
    const site = siteWithIssue();
    try {
      const report = await buildInMemory(site.root, DATE);
      expect(
        report.problems.filter((p) => ['text-part-empty', 'unsubscribe-missing'].includes(p.code)),
      ).toEqual([]);
    } finally {
      site.remove();
    }
  });

  test('a footer without the unsubscribe link is an error that names the template', async () => {
    const site = siteWithIssue();
    try {
      cpSync(join(repoRoot, 'templates'), join(site.root, 'templates'), { recursive: true });
      const footer = join(site.root, 'templates', 'email', 'partials', 'footer.hbs');
      const link = /<a href="\{\{recipient\.unsubscribeUrl\}\}"[^>]*>\{\{labels\.unsubscribe\}\}<\/a> · /;
      const template = readFileSync(footer, 'utf8');
      // Fails here, not below, if the footer's wording moves on and the link is no longer found.
      expect(template).toMatch(link);
      writeFileSync(footer, template.replace(link, ''));
      const report = await buildInMemory(site.root, DATE);
      const problem = report.problems.find((p) => p.code === 'unsubscribe-missing');
      expect(problem).toMatchObject({
        severity: 'error',
        file: expect.stringMatching(/templates\/email\/email\.mjml\.hbs$/),
      });
      expect(problem!.hint).toContain('{{recipient.unsubscribeUrl}}');
      // The text part still has it: one problem, not two.
      expect(report.problems.filter((p) => p.code === 'unsubscribe-missing')).toHaveLength(1);
      expect(bulletin(['build', DATE], site.root).status).toBe(1);
    } finally {
      site.remove();
    }
  });

  test("an email over Gmail's clip is an error on issue.md; the sample, at about half of it, is not", async () => {
    const site = siteWithIssue();
    try {
      const sample = await buildInMemory(site.root, DATE);
      expect(sample.problems.filter((p) => p.code === 'email-too-large')).toEqual([]);
      const paragraph =
        'The partnership board discussed the winter plan, the stroke programme and the workforce strategy at length. '.repeat(
          8,
        );
      site.write(
        DATE,
        '07-long-report.md',
        `---\nkind: news\ntitle: The whole board report\n---\n${Array.from({ length: 120 }, () => paragraph).join('\n\n')}\n`,
      );
      const large = await buildInMemory(site.root, DATE);
      const problem = large.problems.find((p) => p.code === 'email-too-large');
      expect(problem).toMatchObject({
        severity: 'error',
        file: expect.stringMatching(new RegExp(`bulletins/${DATE}/issue.md$`)),
        line: 1,
        column: 1,
      });
      expect(problem!.message).toMatch(
        /^The email's HTML is \d+\.\d KB per subscriber; Gmail clips anything over 102 KB/,
      );
    } finally {
      site.remove();
    }
  });

  test('a text template whose items lost their titles is an error naming what it leaves out', async () => {
    const site = siteWithIssue();
    try {
      withTemplate(site.root, 'email.txt.hbs', (text) =>
        text
          .replace('{{#each items}}\n\n{{title}}\n{{rule}}\n', '{{#each items}}\n\n')
          // The "In this issue" list names every item too: without it as well, the titles are gone.
          .replace('{{#each contents}}\n* {{title}}\n{{/each}}\n', ''),
      );
      const report = await buildInMemory(site.root, DATE);
      const problem = report.problems.find((p) => p.code === 'text-part-incomplete');
      expect(problem).toMatchObject({
        severity: 'error',
        file: expect.stringMatching(/templates\/email\/email\.txt\.hbs$/),
      });
      // Titles the text still says elsewhere (in a paragraph, the contents list) count as present.
      expect(problem!.message).toBe(
        'The plain-text part leaves out 2 items the HTML has: "Detecting atrial fibrillation to prevent stroke", "General data protection regulation".',
      );
    } finally {
      site.remove();
    }
  });

  test('a text template that lost its items, and its unsubscribe line, is two errors', async () => {
    const site = siteWithIssue();
    try {
      withTemplate(site.root, 'email.txt.hbs', () => 'The bulletin\n');
      const report = await buildInMemory(site.root, DATE);
      const codes = report.problems.filter((p) => p.file.endsWith('email.txt.hbs')).map((p) => p.code);
      expect(codes.sort()).toEqual(['text-part-empty', 'unsubscribe-missing']);
    } finally {
      site.remove();
    }
  });
});

describe('links over the network, from the command line', () => {
  let server: Server;
  let origin: string;
  const asked: string[] = [];
  let soonGone = false;

  beforeAll(async () => {
    server = createServer((request, response) => {
      asked.push(`${request.method} ${request.url}`);
      const missing = request.url === '/gone' || (request.url === '/soon-gone' && soonGone);
      response.writeHead(missing ? 404 : 200, { 'content-type': 'text/html' }).end('<p>ok</p>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** The local server is on 127.0.0.1, a private address: a site asks it only when it says so. */
  function siteAskingLocally() {
    const site = siteWithIssue();
    const config = join(site.root, 'bulletin.config.yaml');
    writeFileSync(
      config,
      readFileSync(config, 'utf8').replace('linkCheck:\n', 'linkCheck:\n  allowPrivateAddresses: true\n'),
    );
    return site;
  }

  /**
   * The sample issue with every web address pointed at the local server (nothing else may be asked), and two
   * more links: one of them gone.
   */
  function siteWithLocalLinks() {
    const site = siteAskingLocally();
    const folder = join(site.root, 'bulletins', DATE);
    for (const name of readdirSync(folder)) {
      writeFileSync(
        join(folder, name),
        readFileSync(join(folder, name), 'utf8').replace(/https?:\/\/[^\s)>"']+/g, `${origin}/page`),
      );
    }
    const item = join(folder, '03-carers-week.md');
    writeFileSync(
      item,
      readFileSync(item, 'utf8').replace('If your organisation', `${ADDED(origin)}\n\nIf your organisation`),
    );
    return site;
  }
  const ADDED = (at: string) =>
    `Read [the Carers Week guide](${at}/guide) and [last year's report](${at}/gone).`;

  test('check asks each address once, reports the broken one at its place as an error, and remembers answers', async () => {
    const site = siteWithLocalLinks();
    try {
      asked.length = 0;
      const first = await spawnBulletin(['check', DATE, '--json'], site.root, ONLINE).done;
      expect(first.status).toBe(1);
      const report = JSON.parse(first.stdout) as CheckReport;
      const linkProblems = report.issues[0]!.problems.filter((p) => p.code.startsWith('link-'));
      expect(linkProblems.map(placeOf)).toEqual([
        `bulletins/${DATE}/03-carers-week.md:14:${ADDED(origin).indexOf('[last') + 1} link-broken`,
      ]);
      expect(linkProblems[0]!.message).toContain(`${origin}/gone`);
      expect(asked.sort()).toEqual(['GET /gone', 'HEAD /gone', 'HEAD /guide', 'HEAD /page']);
      expect(first.stderr).toContain('Checked 3 web addresses');

      asked.length = 0;
      const second = await spawnBulletin(['check', DATE], site.root, ONLINE).done;
      expect(second.status).toBe(1);
      expect(asked).not.toContain('HEAD /guide');
      expect(second.stderr).toMatch(/from the last check/);

      asked.length = 0;
      const offline = await spawnBulletin(['check', DATE, '--offline'], site.root, ONLINE).done;
      expect(offline.status).toBe(0);
      expect(asked).toEqual([]);
      expect(offline.stderr).toContain('Links were not checked over the network (--offline).');
    } finally {
      site.remove();
    }
  }, 60_000);

  test('linkCheck.exclude keeps addresses from being asked: by prefix, host, or every host under a domain', async () => {
    expect(isExcluded('https://intranet.example.org/a', ['intranet.example.org'])).toBe(true);
    expect(isExcluded('https://www.intranet.example.org/a', ['intranet.example.org'])).toBe(false);
    expect(isExcluded('https://a.b.example.org/x', ['*.example.org'])).toBe(true);
    expect(isExcluded('https://example.org/x', ['*.example.org'])).toBe(true);
    expect(isExcluded('https://notexample.org/x', ['*.example.org'])).toBe(false);
    expect(isExcluded('https://example.org/members/1', ['https://example.org/members/'])).toBe(true);
    expect(isExcluded('https://example.org/public', ['https://example.org/members/'])).toBe(false);

    const site = siteWithLocalLinks();
    try {
      const config = join(site.root, 'bulletin.config.yaml');
      writeFileSync(
        config,
        readFileSync(config, 'utf8').replace('  exclude:\n', `  exclude:\n    - "${origin}/gone"\n`),
      );
      asked.length = 0;
      const checked = await spawnBulletin(['check', DATE], site.root, ONLINE).done;
      expect(checked.stderr).toContain('1 excluded by linkCheck.exclude');
      expect(checked.status).toBe(0);
      expect(asked.filter((a) => a.endsWith('/gone'))).toEqual([]);
    } finally {
      site.remove();
    }
  }, 30_000);

  test('send refuses an issue with a broken link, sends nothing, and goes with the link fixed', async () => {
    const site = siteWithLocalLinks();
    try {
      expect(bulletin(['subscribers', 'add', 'ann@example.org', '--list', 'weekly'], site.root).status).toBe(
        0,
      );
      const outbox = join(site.root, '.bulletin', 'outbox', DATE, 'weekly');
      const refused = await spawnBulletin(['send', DATE, '--list', 'weekly', '--force'], site.root, ONLINE)
        .done;
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain('link-broken');
      expect(refused.stderr).toContain(`${DATE} was not sent: fix the errors above first.`);
      expect(existsSync(outbox)).toBe(false);

      const item = join(site.root, 'bulletins', DATE, '03-carers-week.md');
      writeFileSync(item, readFileSync(item, 'utf8').replace(`${origin}/gone`, `${origin}/report`));
      const sent = await spawnBulletin(['send', DATE, '--list', 'weekly', '--force'], site.root, ONLINE).done;
      expect(sent.status).toBe(0);
      expect(readdirSync(outbox)).toEqual(['ann@example.org.eml']);
    } finally {
      site.remove();
    }
  }, 60_000);

  test('the preview checks links after each build and adds what it finds to the page', async () => {
    const site = siteWithLocalLinks();
    const preview = await startPreview(site.root, [DATE], ONLINE);
    const events = await buildEvents(preview.origin);
    try {
      const checked = await events.next((s) => s.links.state === 'checked');
      expect(checked.links.checked).toBe(3);
      expect(checked.problems.filter((p) => p.code.startsWith('link-')).map(placeOf)).toEqual([
        `bulletins/${DATE}/03-carers-week.md:14:${ADDED(origin).indexOf('[last') + 1} link-broken`,
      ]);
      expect(checked.files.find((f) => f.file.endsWith('03-carers-week.md'))).toMatchObject({ errors: 1 });
      expect(preview.output()).toContain('checked over the network after each save');
    } finally {
      events.close();
      await preview.stop();
      site.remove();
    }
  }, 60_000);

  test('a scheduled send checks its links again when it runs, and waits, sending nothing, on one gone since', async () => {
    const site = siteAskingLocally();
    try {
      const folder = join(site.root, 'bulletins', DATE);
      for (const name of readdirSync(folder))
        writeFileSync(
          join(folder, name),
          readFileSync(join(folder, name), 'utf8').replace(/https?:\/\/[^\s)>"']+/g, `${origin}/soon-gone`),
        );
      expect(bulletin(['build', '--all'], site.root).status).toBe(0);
      expect(bulletin(['subscribers', 'add', 'ann@example.org', '--list', 'weekly'], site.root).status).toBe(
        0,
      );
      soonGone = false;
      const scheduled = await spawnBulletin(
        ['schedule', DATE, '--list', 'weekly', '--at', londonTime(1)],
        site.root,
        ONLINE,
      ).done;
      expect(scheduled.status).toBe(0);
      // Days later: the page has gone, and the cached answer has expired.
      soonGone = true;
      rmSync(join(site.root, '.bulletin', 'cache', 'links.json'));
      const server = startServe(site.root, ONLINE);
      await server.until(/weekly (failed|done|is due but waits)/, 30_000);
      await server.stop();
      const said = server.said();
      expect(said).toMatch(
        /schedule: 2018-05-25 to weekly is due but waits: \d+ broken link\(s\), e\.g\. bulletins\/2018-05-25\/\S+:\d+:\d+: The link to/,
      );
      expect(existsSync(join(site.root, '.bulletin', 'outbox', DATE))).toBe(false);
    } finally {
      soonGone = false;
      site.remove();
    }
  }, 60_000);
});
