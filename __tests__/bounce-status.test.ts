import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteStores } from '../src/store/sqlite/index.js';
import type { Stores } from '../src/store/stores.js';
import { hearBounces, SOFT_POLICY, sentLedger } from './helpers/bounces.js';
import { bulletin } from './helpers/cli.js';
import { tempSite } from './helpers/site.js';

const ISSUE = '2018-05-11';
const POLICY = SOFT_POLICY;
const T0 = Date.parse('2018-05-11T09:00:00.000Z');

let site: ReturnType<typeof tempSite>;
let stores: Stores;

beforeEach(() => {
  site = tempSite();
  mkdirSync(join(site.root, '.bulletin'), { recursive: true });
  stores = openSqliteStores(join(site.root, '.bulletin', 'bulletin.db'));
});
afterEach(async () => {
  await stores.close();
  site.remove();
});

test('status shows per list what was heard after the send, warns past 0.1 % complaints and alerts past 0.3 % and 2 % hard', async () => {
  await sentLedger(stores, ISSUE, 'weekly', 1000);
  await sentLedger(stores, ISSUE, 'leaders', 1000);
  // weekly: 25 hard (2.5 %), 10 soft, 4 complaints (0.4 %).
  await hearBounces(stores, ISSUE, 'weekly', 'hard', 0, 25);
  await hearBounces(stores, ISSUE, 'weekly', 'soft', 100, 10);
  await hearBounces(stores, ISSUE, 'weekly', 'complaint', 200, 4);
  // leaders: 20 hard (2 %: not past it), 2 complaints (0.2 %: a warning).
  await hearBounces(stores, ISSUE, 'leaders', 'hard', 0, 20);
  await hearBounces(stores, ISSUE, 'leaders', 'complaint', 200, 2);

  const human = bulletin(['status', ISSUE], site.root);
  expect(human.status).toBe(0);
  const lines = human.stderr.split('\n');
  const weekly = lines.indexOf(
    '2018-05-11 weekly after the send: 1000 sent, 965 delivered (96.5 %), bounced 25 hard (2.5 %) / 10 soft (1 %), 4 complaints (0.4 %)',
  );
  expect(weekly).toBeGreaterThan(-1);
  expect(lines[weekly + 1]).toMatch(
    /^ {2}ALERT: complaint rate 0\.4 % is past 0\.3 %, the rate at which Gmail and Yahoo/,
  );
  expect(lines[weekly + 2]).toMatch(
    /^ {2}ALERT: hard-bounce rate 2\.5 % is past 2 %: the list holds dead addresses/,
  );
  const leaders = lines.indexOf(
    '2018-05-11 leaders after the send: 1000 sent, 980 delivered (98 %), bounced 20 hard (2 %) / 0 soft (0 %), 2 complaints (0.2 %)',
  );
  expect(leaders).toBeGreaterThan(-1);
  expect(lines[leaders + 1]).toMatch(/^ {2}warning: complaint rate 0\.2 % is past 0\.1 %, Gmail's advice/);
  expect(lines[leaders + 2]).not.toMatch(/^ {2}(ALERT|warning)/);

  const json = bulletin(['status', ISSUE, '--list', 'leaders', '--json'], site.root);
  expect(json.status).toBe(0);
  const report = JSON.parse(json.stdout) as { deliverability: unknown[] };
  expect(report.deliverability).toEqual([
    {
      list: 'leaders',
      sent: 1000,
      delivered: 980,
      hard: 20,
      soft: 0,
      complaints: 2,
      rates: { delivered: 0.98, hard: 0.02, soft: 0, complaints: 0.002 },
      notes: [{ level: 'warning', text: expect.stringContaining('complaint rate 0.2 % is past 0.1 %') }],
    },
  ]);
  expect(json.stderr).not.toContain('weekly after the send');
});

test('status at exactly 0.1 % complaints and 2 % hard bounces says nothing; a send nobody answered shows its numbers', async () => {
  await sentLedger(stores, ISSUE, 'weekly', 1000);
  await hearBounces(stores, ISSUE, 'weekly', 'hard', 0, 20);
  await hearBounces(stores, ISSUE, 'weekly', 'complaint', 500, 1);
  // Another issue's bounces are not this one's.
  await hearBounces(stores, '2018-05-04', 'weekly', 'hard', 600, 300);
  await sentLedger(stores, ISSUE, 'leaders', 3);
  const report = JSON.parse(bulletin(['status', ISSUE, '--json'], site.root).stdout) as {
    deliverability: { list: string; hard: number; complaints: number; notes: unknown[] }[];
  };
  expect(
    report.deliverability.map(({ list, hard, complaints, notes }) => ({ list, hard, complaints, notes })),
  ).toEqual([
    { list: 'leaders', hard: 0, complaints: 0, notes: [] },
    { list: 'weekly', hard: 20, complaints: 1, notes: [] },
  ]);
  const human = bulletin(['status', ISSUE], site.root).stderr;
  expect(human).toContain(
    '2018-05-11 leaders after the send: 3 sent, 3 delivered (100 %), bounced 0 hard (0 %) / 0 soft (0 %), 0 complaints (0 %)',
  );
  expect(human).not.toMatch(/ALERT|warning/);
});

test('importing the list again never resubscribes an address that bounced or complained', async () => {
  const csv = join(site.root, 'members.csv');
  writeFileSync(csv, 'email,name\ngone@example.org,Gone\nangry@example.org,Angry\nfine@example.org,Fine\n');
  expect(bulletin(['subscribers', 'import', csv, '--list', 'weekly'], site.root).status).toBe(0);
  const at = new Date(T0).toISOString();
  const base = { source: 'imap', issue: ISSUE, list: 'weekly', at };
  const hard = {
    ...base,
    sourceId: '<dsn@mx>',
    address: 'gone@example.org',
    verdict: 'hard' as const,
    status: '5.1.1',
    diagnostic: 'smtp; 550 5.1.1 User unknown, "gone"',
  };
  const complaint = {
    ...base,
    sourceId: '<arf@mx>',
    address: 'angry@example.org',
    verdict: 'complaint' as const,
  };
  expect(await stores.bounces.record(hard, POLICY)).toBe('suppressed');
  expect(await stores.bounces.record(complaint, POLICY)).toBe('suppressed');

  const again = bulletin(['subscribers', 'import', csv, '--list', 'weekly', '--json'], site.root);
  expect(again.status).toBe(0);
  expect(JSON.parse(again.stdout)).toMatchObject({ added: 0, keptOut: 2, unchanged: 1 });
  // Nor onto another list.
  const elsewhere = bulletin(['subscribers', 'import', csv, '--list', 'leaders', '--json'], site.root);
  expect(JSON.parse(elsewhere.stdout)).toMatchObject({ added: 1, keptOut: 2 });
  const exported = bulletin(['subscribers', 'export'], site.root).stdout;
  expect(exported).toMatch(/^angry@example\.org,Angry,leaders,complained,/m);
  expect(exported).toMatch(/^angry@example\.org,Angry,weekly,complained,.*complaint:imap/m);
  expect(exported).toMatch(/^gone@example\.org,Gone,leaders,bounced,/m);
  expect(exported).toMatch(/^gone@example\.org,Gone,weekly,bounced,.*bounce:imap/m);
  // Why, as the consent log has it: the status code, the server's words, the report.
  const gone = exported.split('\n').find((row) => row.startsWith('gone@example.org,Gone,weekly,'))!;
  const evidence = JSON.parse(gone.slice(gone.indexOf(',"{') + 2, -1).replaceAll('""', '"'));
  expect(evidence).toEqual({
    verdict: 'hard',
    source: 'imap',
    sourceId: '<dsn@mx>',
    status: '5.1.1',
    diagnostic: 'smtp; 550 5.1.1 User unknown, "gone"',
    issue: ISSUE,
    list: 'weekly',
  });
  expect(exported).toMatch(/^fine@example\.org,Fine,weekly,subscribed,[^,]+,import:members\.csv,$/m);
  expect(exported).toMatch(/^fine@example\.org,Fine,leaders,subscribed,/m);
});
