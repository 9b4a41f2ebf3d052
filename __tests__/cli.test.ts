import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { bulletin, repoRoot } from './helpers/cli.js';
import { bulletinLoading, isPrepareWorker } from './helpers/module-log.js';
import { placeOf, SEED_WARNINGS } from './helpers/site.js';

let site: string;

beforeEach(() => {
  site = mkdtempSync(join(tmpdir(), 'bulletin-cli-'));
  cpSync(join(repoRoot, 'bulletin.config.yaml'), join(site, 'bulletin.config.yaml'));
  cpSync(join(repoRoot, 'bulletins', '2018-05-11'), join(site, 'bulletins', '2018-05-11'), {
    recursive: true,
  });
});

afterEach(() => rmSync(site, { recursive: true, force: true }));

/** An error: a copy of an item, whose title is then used twice. */
const copyAnItem = () =>
  cpSync(
    join(site, 'bulletins', '2018-05-11', '04-maternity.md'),
    join(site, 'bulletins', '2018-05-11', '09-copy.md'),
  );

test('check on the sample passes with exit 0 and a JSON document on stdout', () => {
  const result = bulletin(['check', '2018-05-11', '--json'], site);
  expect(result.status).toBe(0);
  const report = JSON.parse(result.stdout);
  expect(report).toMatchObject({ ok: true, errors: 0, warnings: SEED_WARNINGS.length });
  expect(report.issues[0].date).toBe('2018-05-11');
  expect(report.issues[0].problems.map(placeOf)).toEqual(SEED_WARNINGS);
});

test('run from inside an issue folder, a command finds its site above it; --root is taken as given', () => {
  const inside = bulletin(['check', '--json'], join(site, 'bulletins', '2018-05-11'));
  expect(inside.status).toBe(0);
  const report = JSON.parse(inside.stdout);
  expect(report.issues[0].date).toBe('2018-05-11');
  // Places are relative to where the writer stands.
  expect(report.issues[0].problems.map(placeOf)).toEqual(
    SEED_WARNINGS.map((w) => w.replace('bulletins/2018-05-11/', '')),
  );
  expect(inside.stderr).toContain('(the site in ../.., issue 2018-05-11)');
  // Standing in an issue folder, that issue is the default, not the latest.
  cpSync(join(repoRoot, 'bulletins', '2018-05-25'), join(site, 'bulletins', '2018-05-25'), {
    recursive: true,
  });
  expect(
    JSON.parse(bulletin(['check', '--json'], join(site, 'bulletins', '2018-05-11')).stdout).issues[0].date,
  ).toBe('2018-05-11');
  expect(bulletin(['add', 'news', 'Added here'], join(site, 'bulletins', '2018-05-11')).status).toBe(0);
  expect(readdirSync(join(site, 'bulletins', '2018-05-11'))).toContain('07-added-here.md');
  const given = bulletin(['--root', join(site, 'bulletins'), 'check'], site);
  expect(given.status).not.toBe(0);
  // A folder merely below a site is not in it: a new site started there stays there.
  const fresh = join(site, 'elsewhere');
  mkdirSync(fresh);
  expect(bulletin(['new', '--date', '2018-06-01'], fresh).status).toBe(0);
  expect(existsSync(join(fresh, 'bulletins', '2018-06-01', 'issue.md'))).toBe(true);
  expect(existsSync(join(site, 'bulletins', '2018-06-01'))).toBe(false);
});

test('build writes email.html and email.txt and reports their sizes', () => {
  const result = bulletin(['build', '--json'], site);
  expect(result.status).toBe(0);
  const report = JSON.parse(result.stdout);
  const html = join(site, 'dist', 'email', '2018-05-11', 'email.html');
  expect(report.issues[0].html).toEqual({ path: html, bytes: readFileSync(html).length });
  expect(report.issues[0].text.bytes).toBe(
    readFileSync(join(site, 'dist', 'email', '2018-05-11', 'email.txt')).length,
  );
  expect(result.stderr).toMatch(/2018-05-11: built dist\/email\/2018-05-11\/email.html/);
});

test('bad usage exits 2; --help exits 0', () => {
  expect(bulletin(['check', '11-05-2018'], site).status).toBe(2);
  expect(bulletin(['frobnicate'], site).status).toBe(2);
  expect(bulletin(['add', 'netwrok', 'A title'], site)).toMatchObject({
    status: 2,
    stderr: expect.stringContaining('Did you mean "network"?'),
  });
  expect(bulletin(['add', 'programme', 'Stroke news'], site)).toMatchObject({
    status: 2,
    stderr: expect.stringContaining('--programme'),
  });
  for (const command of [[], ['new'], ['add'], ['check'], ['build']]) {
    const help = bulletin([...command, '--help'], site);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Usage: bulletin/);
  }
});

test('new scaffolds an issue that checks clean of errors, and refuses to overwrite it', () => {
  const created = bulletin(['new', '--date', '2018-06-01', '--json'], site);
  expect(created.status).toBe(0);
  expect(JSON.parse(created.stdout).files).toHaveLength(2);
  const check = JSON.parse(bulletin(['check', '2018-06-01', '--json'], site).stdout);
  expect(check.errors).toBe(0);
  expect(check.issues[0].problems.map((p: { code: string }) => p.code)).toContain('placeholder-left');
  expect(bulletin(['check', '2018-06-01', '--strict'], site).status).toBe(1);

  const before = readFileSync(join(site, 'bulletins', '2018-06-01', 'issue.md'), 'utf8');
  const again = bulletin(['new', '--date', '2018-06-01'], site);
  expect(again.status).toBe(1);
  expect(again.stderr).toMatch(/already exists; nothing was changed/);
  expect(readFileSync(join(site, 'bulletins', '2018-06-01', 'issue.md'), 'utf8')).toBe(before);

  // A folder of items that lost its issue.md: the check says how to get one, and new writes just that.
  rmSync(join(site, 'bulletins', '2018-06-01', 'issue.md'));
  const missing = JSON.parse(bulletin(['check', '2018-06-01', '--json'], site).stdout);
  expect(missing.issues[0].problems.find((p: { code: string }) => p.code === 'issue-missing').hint).toBe(
    'Add issue.md with the title, date and summary: `bulletin new --date 2018-06-01` writes one beside the items.',
  );
  const meetings = readFileSync(join(site, 'bulletins', '2018-06-01', 'meetings.md'), 'utf8');
  const restored = bulletin(['new', '--date', '2018-06-01'], site);
  expect(restored.status).toBe(0);
  expect(restored.stderr).toMatch(/Created bulletins\/2018-06-01\/issue\.md\./);
  expect(readFileSync(join(site, 'bulletins', '2018-06-01', 'meetings.md'), 'utf8')).toBe(meetings);
  // Only issue.md: a meetings.md the writer removed stays removed.
  rmSync(join(site, 'bulletins', '2018-06-01', 'issue.md'));
  rmSync(join(site, 'bulletins', '2018-06-01', 'meetings.md'));
  expect(bulletin(['add', 'news', 'Kept', '--issue', '2018-06-01'], site).status).toBe(0);
  expect(bulletin(['new', '--date', '2018-06-01'], site).status).toBe(0);
  expect(readdirSync(join(site, 'bulletins', '2018-06-01')).sort()).toEqual(['01-kept.md', 'issue.md']);
});

test('new defaults to the coming Friday', () => {
  const result = JSON.parse(bulletin(['new', '--json'], site).stdout);
  expect(new Date(`${result.date}T00:00:00Z`).getUTCDay()).toBe(5);
  expect(result.date > new Date().toISOString().slice(0, 10)).toBe(true);
});

test('add writes a valid skeleton for each kind', () => {
  const add = (args: string[]) => bulletin(['add', ...args, '--issue', '2018-05-11', '--json'], site);
  const network = add(['network', 'Digital network: May update']);
  expect(network.status).toBe(0);
  const path = JSON.parse(network.stdout).path as string;
  expect(path).toMatch(/07-digital-network-may-update\.md$/);
  expect(readFileSync(path, 'utf8')).toContain('title: "Digital network: May update"');
  expect(add(['programme', 'Cancer alliance', '--programme', 'cancer']).status).toBe(0);
  expect(add(['news', 'A news item']).status).toBe(0);
  const check = JSON.parse(bulletin(['check', '2018-05-11', '--json'], site).stdout);
  expect(check.errors).toBe(0);
  // The skeletons add nothing but their "TODO" placeholders to the seed's own warnings.
  expect(
    check.issues[0].problems.filter((p: { code: string }) => p.code !== 'placeholder-left').map(placeOf),
  ).toEqual(SEED_WARNINGS);
  expect(add(['network', 'Digital network: May update']).status).toBe(1);
});

describe('add: a system error is one line naming the path and what to do, and leaves nothing behind', () => {
  test('the issue "folder" is a file', () => {
    writeFileSync(join(site, 'bulletins', '2018-06-01'), 'not a folder');
    const result = bulletin(['add', 'news', 'Kept', '--issue', '2018-06-01'], site);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'bulletin: Cannot read the issue folder bulletins/2018-06-01 (ENOTDIR); check that it is a folder ' +
        '(not a file or a broken link) and that you may read it.\n',
    );
  });

  test('the file cannot be written (a full disk; here a file size limit of 0, which root cannot ignore)', () => {
    const folder = join(site, 'bulletins', '2018-05-11');
    const before = readdirSync(folder).sort();
    // The limit makes every write fail with EFBIG, as a full disk fails with ENOSPC (SIGXFSZ ignored,
    // as it is across exec, so the write fails rather than the process).
    // No coverage for this one process (c8's NODE_V8_COVERAGE): under the limit, its file fails too.
    const limited = `unset NODE_V8_COVERAGE; trap '' XFSZ; ulimit -f 0; exec "$0" "$@"`;
    const cli = join(repoRoot, 'lib', 'src', 'cli', 'main.js');
    const run = (json: boolean) =>
      spawnSync(
        'bash',
        ['-c', limited, process.execPath, cli, 'add', 'news', 'Full disk', '--issue', '2018-05-11'].concat(
          json ? ['--json'] : [],
        ),
        { cwd: site, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', BULLETIN_OFFLINE: '1' } },
      );
    const result = run(false);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'bulletin: Could not write bulletins/2018-05-11/07-full-disk.md (EFBIG); nothing was added. Check that ' +
        'the disk has space and that you may write to bulletins/2018-05-11, then run the command again.\n',
    );
    // Not an empty item left to fail the next check.
    expect(readdirSync(folder).sort()).toEqual(before);
    const json = run(true);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, exitCode: 1 });
    expect(JSON.parse(json.stdout).error).toContain('bulletins/2018-05-11/07-full-disk.md (EFBIG)');
  });
});

test('a build with errors writes nothing and keeps the previous output', () => {
  expect(bulletin(['build', '2018-05-11'], site).status).toBe(0);
  const html = join(site, 'dist', 'email', '2018-05-11', 'email.html');
  const before = readFileSync(html, 'utf8');
  copyAnItem();
  const result = bulletin(['build', '2018-05-11'], site);
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(
    /bulletins\/2018-05-11\/09-copy.md:3:8 {2}error {2}The title "Maternity" is also used by 04-maternity.md/,
  );
  expect(readFileSync(html, 'utf8')).toBe(before);
  expect(existsSync(`${html}.tmp`)).toBe(false);
});

test('check says the whole-issue checks wait only for an issue whose errors kept them from running', () => {
  const clean = bulletin(['check', '2018-05-11'], site);
  expect(clean.stderr).not.toMatch(/run once these errors are fixed/);
  copyAnItem();
  const broken = bulletin(['check', '2018-05-11'], site);
  expect(broken.status).toBe(1);
  expect(broken.stderr).toMatch(
    /2018-05-11: the checks of the whole issue \(meetings in next week, empty sections, the subject, the email's size, parts and unsubscribe link\) run once these errors are fixed\./,
  );
});

test('after an email template error, check says only the email checks wait', () => {
  cpSync(join(repoRoot, 'templates'), join(site, 'templates'), { recursive: true });
  const layout = join(site, 'templates', 'email', 'email.mjml.hbs');
  writeFileSync(layout, readFileSync(layout, 'utf8').replace('</mj-body>', '<mj-column-typo></mj-body>'));
  const broken = bulletin(['check', '2018-05-11', '--offline'], site);
  expect(broken.status).toBe(1);
  expect(broken.stderr).toMatch(/error {2}.*\[template-error\]/);
  expect(broken.stderr).toMatch(
    /2018-05-11: the checks of the email \(its size, parts and unsubscribe link\) run once the template's error is fixed\./,
  );
  expect(broken.stderr).not.toMatch(/meetings in next week/);
});

test('an attribute MJML rejects is shown where the template writes it, once, with the lines MJML saw', () => {
  cpSync(join(repoRoot, 'templates'), join(site, 'templates'), { recursive: true });
  const layout = join(site, 'templates', 'email', 'email.mjml.hbs');
  const written = readFileSync(layout, 'utf8');
  // Every mj-column of the email: MJML reports the attribute once for each one it lays out.
  writeFileSync(layout, written.replaceAll('<mj-column>', '<mj-column bogus="1">'));
  const line = written.slice(0, written.indexOf('<mj-column>')).split('\n').length;
  const column = written.split('\n')[line - 1]!.indexOf('<mj-column>') + '<mj-column '.length + 1;
  const broken = bulletin(['check', '2018-05-11', '--offline'], site);
  expect(broken.status).toBe(1);
  const report = broken.stderr.split('\n');
  const at = report.findIndex((text) => text.includes('[template-error]'));
  expect(report[at]).toMatch(
    new RegExp(
      `^templates/email/email\\.mjml\\.hbs:${line}:${column} {2}error {2}MJML rejected the email layout: mj-column: Attribute bogus is illegal \\(lines \\d+, \\d+, \\d+ and \\d+ more of the MJML the templates made\\) {2}\\[template-error\\]$`,
    ),
  );
  // Said once, without the folder MJML names as the file, and with the line in a frame.
  expect(broken.stderr.match(/bogus is illegal/g)).toHaveLength(1);
  expect(broken.stderr).not.toContain(join(site, 'templates'));
  expect(report[at + 2]).toMatch(new RegExp(`^ *> ${line} \\|.*<mj-column bogus="1">`));
});

test('a thread setting that is not a whole number stops the run and says what to write; an empty one is the default', () => {
  for (const [name, value] of [
    ['BULLETIN_WORKER_HEAP_MB', 'abc'],
    ['BULLETIN_BUILD_HEAP_MB', '0'],
    ['BULLETIN_PARALLEL_FROM', '1.5'],
  ] as const) {
    const run = bulletin(['build', '--no-cache', '--out', 'refused'], site, { [name]: value });
    expect([name, run.status]).toEqual([name, 1]);
    expect(run.stderr).toContain(`${name} is "${value}", not a whole number of at least 1: set it to one`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(site, 'refused'))).toBe(false);
  }
  // A priority step has a range (nice values end at 19), and 0 is allowed: it leaves the thread be.
  for (const value of ['20', '-1']) {
    const run = bulletin(['build', '--no-cache', '--out', 'refused'], site, { BULLETIN_STAGES_NICE: value });
    expect([value, run.status]).toEqual([value, 1]);
    expect(run.stderr).toContain(`BULLETIN_STAGES_NICE is "${value}", not a whole number from 0 to 19`);
  }
  const unlowered = bulletin(['build', '--no-cache', '--out', 'kept'], site, { BULLETIN_STAGES_NICE: '0' });
  expect([unlowered.status, existsSync(join(site, 'kept'))]).toEqual([0, true]);
  const empty = bulletin(['check', '--offline', '--no-cache'], repoRoot, {
    BULLETIN_WORKER_HEAP_MB: '',
    BULLETIN_BUILD_HEAP_MB: ' ',
    BULLETIN_PARALLEL_FROM: '',
  });
  expect([empty.status, empty.stderr]).toEqual([0, expect.stringContaining('0 errors')]);
});

test('a build the memo answers starts no thread of its own; a cold or an edited one does', () => {
  cpSync(join(repoRoot, 'bulletins', '2018-05-18'), join(site, 'bulletins', '2018-05-18'), {
    recursive: true,
  });
  const threaded = { BULLETIN_PARALLEL_FROM: '2' };
  const stagesThread = (run: { loaded: string[] }) =>
    run.loaded.some((url) => url.endsWith('/stages-worker.js'));
  const cold = bulletinLoading(['build', '--all'], site, threaded);
  const answered = bulletinLoading(['build', '--all'], site, threaded);
  expect([cold.status, answered.status]).toEqual([0, 0]);
  expect([stagesThread(cold), stagesThread(answered)]).toEqual([true, false]);
  expect(answered.stdout).toBe(cold.stdout);
  writeFileSync(
    join(site, 'bulletins', '2018-05-18', '01-clinical-forum.md'),
    readFileSync(join(site, 'bulletins', '2018-05-18', '01-clinical-forum.md'), 'utf8').concat(
      '\nA new closing line.\n',
    ),
  );
  const edited = bulletinLoading(['build', '--all'], site, threaded);
  expect([edited.status, stagesThread(edited)]).toEqual([0, true]);
  expect(readFileSync(join(site, 'dist', 'email', '2018-05-18', 'email.txt'), 'utf8')).toContain(
    'A new closing line.',
  );
}, 120_000);

test('a first build starts its prepare workers with its thread and uses them; ones the caches leave idle are stopped', () => {
  cpSync(join(repoRoot, 'bulletins', '2018-05-18'), join(site, 'bulletins', '2018-05-18'), {
    recursive: true,
  });
  const threaded = { BULLETIN_PARALLEL_FROM: '2' };
  const prepareWorkers = (run: { loaded: string[] }) => run.loaded.filter(isPrepareWorker).length;
  const spare = Math.min(availableParallelism(), 8) - 1;
  const first = bulletinLoading(['build', '--all'], site, threaded);
  expect(first.status).toBe(0);
  // The pool took the workers started early (one per spare core) rather than starting others.
  expect(prepareWorkers(first)).toBeGreaterThanOrEqual(Math.min(spare, 1));
  expect(prepareWorkers(first)).toBeLessThanOrEqual(spare);

  // Without the memo, a build starts its workers early again; the render cache then answers every
  // issue, so they are stopped unused, and the run ends.
  rmSync(join(site, '.bulletin', 'cache', 'build'), { recursive: true });
  const renderCache = join(site, '.bulletin', 'cache', 'render');
  const entries = () =>
    readdirSync(renderCache).map((name) => [name, statSync(join(renderCache, name)).mtimeMs]);
  const before = entries();
  const warm = bulletinLoading(['build', '--all'], site, threaded);
  expect([warm.status, warm.stdout]).toEqual([0, first.stdout]);
  expect(entries()).toEqual(before);
}, 120_000);

test('a first build starts its threads before it reads the config; a config with a mistake stops them and is reported', () => {
  cpSync(join(repoRoot, 'bulletins', '2018-05-18'), join(site, 'bulletins', '2018-05-18'), {
    recursive: true,
  });
  const config = join(site, 'bulletin.config.yaml');
  writeFileSync(
    config,
    readFileSync(config, 'utf8').replace('  timezone: Europe/London', '  timezone: Europe/Londn'),
  );
  const run = bulletinLoading(['build', '--all'], site, { BULLETIN_PARALLEL_FROM: '2' });
  expect(run.status).toBe(1);
  expect(run.stderr).toContain('bulletin.config.yaml:6:13');
  // The threads were started, and stopped: the run ended, and wrote nothing.
  expect(run.loaded.some((url) => url.endsWith('/stages-worker.js'))).toBe(true);
  expect(existsSync(join(site, 'dist'))).toBe(false);
}, 60_000);

test('a check of many issues prepares in workers started as it begins, its stages on the main thread; a warm one starts none', () => {
  cpSync(join(repoRoot, 'bulletins', '2018-05-18'), join(site, 'bulletins', '2018-05-18'), {
    recursive: true,
  });
  const threaded = { BULLETIN_PARALLEL_FROM: '2' };
  const loaded = (run: { loaded: string[] }, file: string) =>
    run.loaded.filter((url) => (file === '/prepare-worker.js' ? isPrepareWorker(url) : url.endsWith(file)))
      .length;
  const spare = Math.min(availableParallelism(), 8) - 1;
  const cold = bulletinLoading(['check', '--all', '--offline'], site, threaded);
  expect(cold.status).toBe(0);
  expect(loaded(cold, '/prepare-worker.js')).toBeGreaterThanOrEqual(Math.min(spare, 1));
  expect(loaded(cold, '/prepare-worker.js')).toBeLessThanOrEqual(spare);
  // A check runs its stages on the main thread: no thread of their own.
  expect(loaded(cold, '/stages-worker.js')).toBe(0);
  // The render cache answers every issue, which a look at its folder foresees: no worker is started.
  const warm = bulletinLoading(['check', '--all', '--offline'], site, threaded);
  expect([warm.status, warm.stdout]).toEqual([0, cold.stdout]);
  expect(loaded(warm, '/prepare-worker.js')).toBe(0);
}, 120_000);

test('a link in an issue folder that leads back to itself is a problem named at its file, not a crash, with or without threads', () => {
  cpSync(join(repoRoot, 'bulletins', '2018-05-18'), join(site, 'bulletins', '2018-05-18'), {
    recursive: true,
  });
  const issue = join(site, 'bulletins', '2018-05-18');
  // Not Markdown: not an input at all. Markdown: a file the issue cannot be read without.
  symlinkSync('stray-loop', join(issue, 'stray-loop'));
  const strayOnly = bulletin(['build', '--all'], site, { BULLETIN_PARALLEL_FROM: '2' });
  expect([strayOnly.status, strayOnly.stderr]).toEqual([0, expect.not.stringMatching(/ELOOP|\n\s+at /)]);
  symlinkSync('09-loop.md', join(issue, '09-loop.md'));
  for (const env of [{ BULLETIN_PARALLEL_FROM: '2' }, {}] as Record<string, string>[]) {
    const run = bulletin(['build', '--all'], site, env);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('bulletins/2018-05-18/09-loop.md:1:1  error  Cannot read the file (ELOOP).');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  }
}, 120_000);

test('a build split across worker threads writes the same archive as one built in one thread', () => {
  cpSync(join(repoRoot, 'bulletins'), join(site, 'bulletins'), { recursive: true });
  const build = (out: string, env: Record<string, string>) =>
    bulletinLoading(['build', '--no-cache', '--out', out], site, env);
  const parallel = build('parallel', { BULLETIN_PARALLEL_FROM: '2' });
  const serial = build('serial', { BULLETIN_PARALLEL_FROM: '100000' });
  // Threads with too little memory to load their code run out at once: the build's own thread
  // (stages-thread.ts) is run again on the main thread, and a prepare worker's jobs come back to it.
  const starved = build('starved', {
    BULLETIN_PARALLEL_FROM: '2',
    BULLETIN_WORKER_HEAP_MB: '4',
    BULLETIN_BUILD_HEAP_MB: '4',
  });
  // The threads ran, or not, as asked (the starved ones die before they load their first module).
  const threads = (run: { loaded: string[] }) => [
    ...(run.loaded.some((url) => url.endsWith('/stages-worker.js')) ? ['stages'] : []),
    ...(run.loaded.some(isPrepareWorker) ? ['prepare'] : []),
  ];
  expect([threads(parallel), threads(serial)]).toEqual([['stages', 'prepare'], []]);
  expect([parallel.status, serial.status, starved.status]).toEqual([0, 0, 0]);
  expect(starved.stderr.replaceAll('starved/', 'serial/')).toBe(serial.stderr);
  const list = (dir: string) =>
    (readdirSync(join(site, dir, 'site'), { recursive: true }) as string[])
      .filter((p) => !p.startsWith('pagefind'))
      .sort();
  expect(list('parallel')).toEqual(list('serial'));
  expect(list('starved')).toEqual(list('serial'));
  for (const path of list('serial').filter(
    (p) => p.endsWith('.html') || p.endsWith('.xml') || p.endsWith('.ics'),
  )) {
    const serialFile = readFileSync(join(site, 'serial', 'site', path), 'utf8');
    for (const other of ['parallel', 'starved'])
      expect([path, other, readFileSync(join(site, other, 'site', path), 'utf8') === serialFile]).toEqual([
        path,
        other,
        true,
      ]);
  }
}, 120_000);
