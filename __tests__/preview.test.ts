import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import sharp from 'sharp';
import { bulletin, repoRoot } from './helpers/cli.js';
import { buildEvents, startPreview, type BuildState, type RunningPreview } from './helpers/preview.js';
import { tempSite } from './helpers/site.js';

/**
 * `bulletin preview` over HTTP, as the studio page uses it: the state after every save, the
 * email and the archive page it frames, the overlay's errors with their places, and "send test".
 */
const DATE = '2018-05-25';
let site: ReturnType<typeof tempSite>;
let preview: RunningPreview;
let itemFile: string;
let original: string;

beforeAll(async () => {
  site = tempSite();
  cpSync(join(repoRoot, 'bulletins', DATE), join(site.root, 'bulletins', DATE), { recursive: true });
  itemFile = join(site.root, 'bulletins', DATE, '03-carers-week.md');
  original = readFileSync(itemFile, 'utf8');
  // A photo beside the item: the preview serves it from the folder, unresized.
  writeFileSync(
    join(site.root, 'bulletins', DATE, 'carers.png'),
    await sharp({ create: { width: 40, height: 20, channels: 3, background: '#005eb8' } })
      .png()
      .toBuffer(),
  );
  writeFileSync(
    itemFile,
    original.replace(
      'Carers Week takes place',
      '![Carers at a Leeds event](carers.png)\n\nCarers Week takes place',
    ),
  );
  preview = await startPreview(site.root, [DATE], {
    BULLETIN_SECRET: 'preview-test',
    BULLETIN_PREVIEW_POLL_MS: '200',
  });
}, 60_000);

afterAll(async () => {
  await preview?.stop();
  site?.remove();
});

/** A GET sent byte for byte as written (fetch would normalise the path, and refuses to set Host). */
function rawStatus(path: string, host?: string): Promise<number> {
  const { port } = new URL(preview.origin);
  return new Promise<number>((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers: { host: host ?? `127.0.0.1:${port}` } }, (answer) => {
      answer.resume();
      resolve(answer.statusCode!);
    })
      .on('error', reject)
      .end();
  });
}

/** Swaps race.png between a real file and a link to outside with atomic renames, for as long as it runs. */
const SWAPPER = `
const { renameSync, symlinkSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const [folder, outside] = process.argv.slice(1);
const target = join(folder, 'race.png');
for (const stop = Date.now() + 20000; Date.now() < stop; ) {
  writeFileSync(join(folder, '.race-file'), 'inside');
  renameSync(join(folder, '.race-file'), target);
  symlinkSync(outside, join(folder, '.race-link'));
  renameSync(join(folder, '.race-link'), target);
}
`;

const state = async (): Promise<BuildState> =>
  (await (await fetch(`${preview.origin}/state`)).json()) as BuildState;

test('the studio page, its state, the email in both parts and the archive page are served, under a strict CSP', async () => {
  const page = await fetch(`${preview.origin}/`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  expect(await page.text()).toContain('<script src="/studio.js"');

  const now = await state();
  expect(now.subject).toBe('Rising to the place-based health challenge');
  expect(now.problems).toEqual([]);
  expect(now.files.map((f) => f.file.split('/').pop())).toEqual([
    'issue.md',
    '01-care-provider-alliance.md',
    '02-stroke-programme.md',
    '03-carers-week.md',
    '04-cancer-alliance.md',
    '05-atrial-fibrillation.md',
    '06-gdpr.md',
    'meetings.md',
  ]);
  expect(now.links.state).toBe('offline');

  const email = await fetch(`${preview.origin}/email.html`);
  expect(email.headers.get('content-security-policy')).toMatch(
    /default-src 'none'; style-src 'unsafe-inline'/,
  );
  const html = await email.text();
  expect(html).toContain('Hello Sam Reader');
  expect(html).toContain('href="/about/unsubscribe"');
  // Links and images in the email point at the preview's own copy of the archive.
  expect(html).toContain(`src="${preview.origin}/site/issues/${DATE}/carers.png"`);
  const image = await fetch(`${preview.origin}/site/issues/${DATE}/carers.png`);
  expect(image.status).toBe(200);
  expect(image.headers.get('content-type')).toBe('image/png');
  // Raw requests, as fetch would tidy the dots away: nothing outside the issue folder is served.
  writeFileSync(join(site.root, 'secret.png'), 'not for the web');
  for (const path of [
    `/site/issues/${DATE}/%2e%2e/%2e%2e/%2e%2e/secret.png`,
    `/site/issues/${DATE}/..%2f..%2f..%2fsecret.png`,
    `/site/issues/${DATE}/%252e%252e/secret.png`,
    `/site/issues/${DATE}/100%25.png`,
  ]) {
    expect([path, await rawStatus(path)]).toEqual([path, 404]);
  }

  const text = await (await fetch(`${preview.origin}/email.txt`)).text();
  expect(text).toContain('Carers Week');
  expect(text).toContain('https://(your unsubscribe link)');
  const archive = await fetch(`${preview.origin}/site/issues/${DATE}/`);
  expect(archive.status).toBe(200);
  expect(archive.headers.get('content-security-policy')).toContain("frame-ancestors 'self'");
  expect(await archive.text()).toContain('<h1');
  expect((await fetch(`${preview.origin}/site/assets/site.css`)).status).toBe(200);
});

test('a symbolic link in the issue folder to a file outside it is not served; a real image beside it is', async () => {
  const folder = join(site.root, 'bulletins', DATE);
  writeFileSync(join(site.root, 'outside.png'), 'SECRET: not for the web');
  symlinkSync(join(site.root, 'outside.png'), join(folder, 'leak.png'));
  symlinkSync(join(site.root, 'bulletin.config.yaml'), join(folder, 'config.svg'));
  mkdirSync(join(site.root, 'elsewhere'), { recursive: true });
  writeFileSync(join(site.root, 'elsewhere', 'photo.png'), 'SECRET: nor this');
  symlinkSync(join(site.root, 'elsewhere'), join(folder, 'linked-folder'));
  // A link to a folder above is a loop, too, for anything that walks the folder following links.
  symlinkSync(site.root, join(folder, 'up'));
  try {
    for (const path of ['leak.png', 'config.svg', 'linked-folder/photo.png', 'up/outside.png']) {
      const answer = await fetch(`${preview.origin}/site/issues/${DATE}/${path}`);
      const body = await answer.text();
      expect([path, answer.status]).toEqual([path, 404]);
      expect(body).not.toContain('SECRET');
      expect(body).not.toContain('baseUrl');
    }
    expect((await fetch(`${preview.origin}/site/issues/${DATE}/carers.png`)).status).toBe(200);
  } finally {
    for (const link of ['leak.png', 'config.svg', 'linked-folder', 'up']) rmSync(join(folder, link));
  }
});

test('a file swapped with a link to outside, again and again, never serves the outside file', async () => {
  const folder = join(site.root, 'bulletins', DATE);
  writeFileSync(join(site.root, 'outside-race.png'), 'SECRET: raced out');
  // The swapper runs in its own process, so its renames interleave with the server's reads.
  const outside = join(site.root, 'outside-race.png');
  const swapper = spawn(process.execPath, ['-e', SWAPPER, folder, outside], { stdio: 'ignore' });
  const until = Date.now() + 6_000;
  let served = 0;
  let leaked = 0;
  const fetcher = async () => {
    while (Date.now() < until) {
      const answer = await fetch(`${preview.origin}/site/issues/${DATE}/race.png`);
      const body = await answer.text();
      if (answer.status === 200) served += 1;
      if (body.includes('SECRET')) leaked += 1;
    }
  };
  try {
    await Promise.all(Array.from({ length: 6 }, fetcher));
  } finally {
    swapper.kill('SIGTERM');
    await new Promise((resolve) => swapper.once('exit', resolve));
    rmSync(join(folder, 'race.png'), { force: true });
  }
  expect({ leaked, servedSome: served > 0 }).toEqual({ leaked: 0, servedSome: true });
}, 30_000);

test('a page on another site cannot reach the preview: wrong Host is refused, send-test needs the page token', async () => {
  // A DNS-rebound page's requests carry the attacker's name in Host.
  const rebound = await rawStatus('/state', `attacker.example:${new URL(preview.origin).port}`);
  expect(rebound).toBe(421);
  const forged = await fetch(`${preview.origin}/send-test`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ to: 'x@example.org', list: 'weekly' }),
  });
  expect(forged.status).toBe(403);
  const simpleForm = await fetch(`${preview.origin}/send-test`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'to=x%40example.org&list=weekly',
  });
  expect(simpleForm.status).toBe(403);
});

test('send test: one message through the configured transport (the outbox here), marked [Test]; a bad address is refused', async () => {
  const { token } = await state();
  const post = (body: object) =>
    fetch(`${preview.origin}/send-test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-preview-token': token },
      body: JSON.stringify(body),
    });
  const bad = await post({ to: 'not-an-address', list: 'weekly' });
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { reason: string }).reason).toMatch(/not-an-address/);
  const unknownList = await post({ to: 'editor@example.org', list: 'nope' });
  expect(((await unknownList.json()) as { reason: string }).reason).toBe('There is no list "nope".');

  const sent = await post({ to: 'Editor@Example.org', list: 'weekly' });
  const body = (await sent.json()) as { ok: boolean; address: string; response: string };
  expect(body).toMatchObject({ ok: true, address: 'editor@example.org' });
  expect(body.response).toContain('outbox');
  const folder = join(site.root, '.bulletin', 'outbox', DATE, '_tests');
  const [file] = readdirSync(folder);
  const eml = readFileSync(join(folder, file!), 'utf8');
  expect(eml).toMatch(/^Subject: \[Test\] Rising to the place-based health challenge/m);
  // The test is the email as subscribers get it: real archive links and a real signed unsubscribe link.
  expect(eml).toMatch(
    /^List-Unsubscribe:\s+<https:\/\/bulletin\.wyhpartnership\.example\/unsubscribe\?token=/m,
  );
  expect(eml).not.toContain(preview.origin);
}, 30_000);

test('saving a file rebuilds; broken YAML is reported at its line over the last good email; fixing it clears it', async () => {
  const events = await buildEvents(preview.origin);
  try {
    await events.next();
    writeFileSync(itemFile, original.replace('title: Carers Week', 'title: Carers Week 2018'));
    // Waits for the edit itself: the file the setup wrote just before the preview started can bring
    // one more build first, which is not this one.
    const titleOf = (s: BuildState) => s.files.find((f) => f.file.endsWith('03-carers-week.md'))?.title;
    const edited = await events.next((s) => titleOf(s) === 'Carers Week 2018', 30_000);
    expect(edited.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(await (await fetch(`${preview.origin}/email.txt`)).text()).toContain('Carers Week 2018');

    // An unclosed quote on line 3.
    writeFileSync(itemFile, original.replace('title: Carers Week', 'title: "Carers Week'));
    const broken = await events.next((s) => s.problems.some((p) => p.severity === 'error'), 30_000);
    const error = broken.problems.find((p) => p.severity === 'error')!;
    expect(error).toMatchObject({
      code: 'yaml-syntax',
      file: expect.stringMatching(/03-carers-week\.md$/),
      line: 3,
    });
    expect(error.frame).toContain('title: "Carers Week');
    expect(broken.stale).toBe(true);
    expect(broken.files.find((f) => f.file.endsWith('03-carers-week.md'))).toMatchObject({ errors: 1 });
    // The frames keep the last good email.
    expect(await (await fetch(`${preview.origin}/email.txt`)).text()).toContain('Carers Week 2018');

    writeFileSync(itemFile, original);
    const fixed = await events.next(
      (s) => s.version > broken.version && !s.problems.some((p) => p.severity === 'error'),
      30_000,
    );
    expect(fixed.stale).toBe(false);
    expect(titleOf(fixed)).toBe('Carers Week');
    expect(await (await fetch(`${preview.origin}/email.txt`)).text()).not.toContain('Carers Week 2018');
  } finally {
    events.close();
  }
}, 120_000);

test('approval and schedule, made in another terminal, show on the page; an edit after approval shows as a change', async () => {
  const events = await buildEvents(preview.origin);
  try {
    const before = await events.next((s) => s.release !== undefined);
    expect(before.release!.approval).toMatchObject({ ok: false, required: false });
    expect(before.release!.schedules).toEqual([]);

    expect(bulletin(['approve', DATE, '--by', 'Ann Approver'], site.root).status).toBe(0);
    expect(
      bulletin(['schedule', DATE, '--list', 'weekly', '--at', '2030-01-04 09:00'], site.root).status,
    ).toBe(0);
    const approved = await events.next(
      (s) => s.release?.approval.ok === true && s.release.schedules.length === 1,
    );
    expect(approved.release!.approval.text).toMatch(
      /^Approved by Ann Approver \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\), as it stands now\.$/,
    );
    expect(approved.release!.schedules).toEqual([
      { list: 'weekly', at: '2030-01-04T09:00:00.000Z', state: 'scheduled', detail: null },
    ]);

    writeFileSync(
      itemFile,
      original.replace('Carers Week takes place', 'Carers Week, for the first time, takes place'),
    );
    const changed = await events.next(
      (s) => s.version > approved.version && s.release?.approval.ok === false,
    );
    expect(changed.release!.approval.text).toContain('has changed since Ann Approver approved it');
  } finally {
    events.close();
  }
}, 60_000);
