import { classifyMessage } from '../src/bounces/classify/index.js';

/**
 * What an attacker (or a broken mail server) can put in the bounce mailbox: each must classify
 * without throwing, in a time that keeps the poller going, and act on nobody it cannot read.
 */

const DSN_HEAD = [
  'From: MAILER-DAEMON@mx.example.org',
  'To: bounces+h0st1leq2m4x9p3@news.example.com',
  'Subject: Undelivered Mail Returned to Sender',
  'MIME-Version: 1.0',
  'Content-Type: multipart/report; report-type=delivery-status; boundary="R"',
  '',
].join('\r\n');

function dsnWith(prose: string, groups: string): string {
  return [
    DSN_HEAD,
    '--R',
    'Content-Type: text/plain',
    '',
    prose,
    '--R',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.org',
    '',
    groups,
    '--R--',
    '',
  ].join('\r\n');
}

const ALICE = 'Final-Recipient: rfc822; alice@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n';

async function timed(raw: Buffer | string) {
  const started = performance.now();
  const report = await classifyMessage(raw);
  return { report, ms: performance.now() - started };
}

describe('hostile input classifies without throwing or hanging (the limits are guards against minutes, not speed targets)', () => {
  test('a 10 MB report is read (its DSN found) without hanging', async () => {
    const line = `${'x'.repeat(75)}\r\n`;
    const { report, ms } = await timed(dsnWith(line.repeat((10 * 1024 * 1024) / line.length), ALICE));
    expect(report.format).toBe('dsn');
    expect(report.recipients).toEqual([{ address: 'alice@example.org', status: '5.1.1', verdict: 'hard' }]);
    expect(ms).toBeLessThan(25_000);
  });

  test('200-deep nested multipart: no throw, nobody reported, without hanging', async () => {
    let body = 'Content-Type: text/plain\r\n\r\nbottom\r\n';
    for (let depth = 0; depth < 200; depth++)
      body = `Content-Type: multipart/mixed; boundary="b${depth}"\r\n\r\n--b${depth}\r\n${body}\r\n--b${depth}--\r\n`;
    const { report, ms } = await timed(
      `From: someone@example.org\r\nSubject: deep\r\nMIME-Version: 1.0\r\n${body}`,
    );
    expect(report.recipients).toEqual([]);
    expect(report.format).toBe('unknown');
    expect(ms).toBeLessThan(20_000);
  });

  test('more MIME parts than the parser allows: format unknown, not an exception', async () => {
    const parts = Array.from(
      { length: 1500 },
      (_, i) => `--P\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`,
    );
    const head = 'From: MAILER-DAEMON@mx.example.org\r\nContent-Type: multipart/mixed; boundary="P"\r\n\r\n';
    const raw = `${head}${parts.join('')}--P--\r\n`;
    const { report } = await timed(raw);
    expect(report).toEqual({ format: 'unknown', bounceTokens: [], recipients: [] });
  });

  test('a header block over 1 MB: format unknown, not an exception', async () => {
    const { report } = await timed(
      `From: a@example.org\r\nX-Junk: ${'y'.repeat(2 * 1024 * 1024)}\r\n\r\nbody\r\n`,
    );
    expect(report).toEqual({ format: 'unknown', bounceTokens: [], recipients: [] });
  });

  test('5000 recipient groups are capped, and backtracking bait in every field stays fast', async () => {
    const bait = `${'a'.repeat(3000)}@${'5.'.repeat(1500)}`;
    const groups = Array.from(
      { length: 5000 },
      (_, i) =>
        `Final-Recipient: rfc822; u${i}@example.org\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; ${bait}\r\n`,
    );
    const { report, ms } = await timed(dsnWith(`${bait}\r\n`.repeat(50), groups.join('\r\n')));
    expect(report.recipients.length).toBeLessThanOrEqual(1000);
    expect(report.recipients[0]?.address).toBe('u0@example.org');
    expect(ms).toBeLessThan(20_000);
  });

  test('a notice whose lines are 200 KB of address-like text stays fast', async () => {
    const long = `${'b'.repeat(100_000)}@${'c.'.repeat(50_000)}`;
    const head = `From: MAILER-DAEMON@mx.example.org\r\nTo: x+${'d'.repeat(100_000)}\r\nSubject: failure notice\r\n`;
    const raw = `${head}\r\nHi. This is the qmail-send program at x.\r\n${long}\r\nTo: ${long}\r\n`;
    const { report, ms } = await timed(raw);
    expect(report.format).toBe('notice');
    expect(ms).toBeLessThan(20_000);
  });

  test('the VERP search is bounded: 50 envelope lines of 320 characters at most, whatever the bait', async () => {
    // Bait that made the unbounded search take seconds (a pass per character of each line).
    const bait = `To: ${'a'.repeat(1990)}\r\n`.repeat(400);
    const head = 'From: MAILER-DAEMON@mx.example.org\r\nSubject: Undelivered Mail\r\n';
    expect((await timed(`${head}${bait}\r\nbody\r\n`)).report.bounceTokens).toEqual([]);
    // Work is capped by count, not by a clock: a token past the 50th carrier line, or past the
    // 320th character of its line, is not looked for.
    const filler = (n: number) => 'To: someone@example.org\r\n'.repeat(n);
    const token = 'To: bounces+abcdefgh2345@example.org\r\n';
    const found = async (before: string, line = token) =>
      (await timed(`${head}${before}${line}\r\nbody\r\n`)).report.bounceTokens;
    expect(await found(filler(40))).toEqual(['abcdefgh2345']);
    expect(await found(filler(60))).toEqual([]);
    expect(await found('', `To: ${'x '.repeat(200)}bounces+abcdefgh2345@example.org\r\n`)).toEqual([]);
  });

  test('terminal escapes and newlines in a diagnostic come out as one plain line', async () => {
    const evil = 'Diagnostic-Code: smtp; 550 5.1.1 \u001b[31mgone\u001b[0m\u0007 and more';
    const { report } = await timed(dsnWith('x', `${ALICE}${evil}\r\n`));
    expect(report.recipients[0]?.diagnostic).toBe('550 5.1.1 [31mgone [0m and more');
  });

  test.each([
    ['an empty string', ''],
    ['an empty buffer', Buffer.alloc(0)],
    ['only NUL bytes', Buffer.alloc(4096)],
    ['a lone boundary', '--R\r\n--R--\r\n'],
  ])('%s: format unknown, nobody', async (_name, raw) => {
    const { report } = await timed(raw);
    expect(report.format).toBe('unknown');
    expect(report.recipients).toEqual([]);
  });
});
