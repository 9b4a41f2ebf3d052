import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bulletin, repoRoot } from './helpers/cli.js';

/** `bulletin bounces classify` as a user runs it: the compiled CLI, real files, exit codes. */
const fixtures = join(repoRoot, '__tests__', 'fixtures', 'bounces');
const twoRecipients = join(fixtures, 'postfix', 'two-recipients.eml');
const complaint = join(fixtures, 'yahoo', 'arf-complaint.eml');

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'bulletin-bounces-cli-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('bulletin bounces classify', () => {
  test('human output: per file, each recipient with status, verdict and diagnostic; exit 0', () => {
    const result = bulletin(['bounces', 'classify', twoRecipients, complaint], scratch);
    expect(result.status).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(`${twoRecipients}: dsn <20261201100412.4Lq2Xz1Rk9z9sWb@mx1.example.org>`);
    const aliceSays =
      '550 5.1.1 <alice@example.org>: Recipient address rejected: User unknown in virtual mailbox table';
    expect(lines).toContain(`  alice@example.org  5.1.1  hard  ${aliceSays}`);
    expect(lines).toContain(
      '  bob@example.org  5.2.2  soft  552 5.2.2 <bob@example.org>: Mailbox quota exceeded',
    );
    expect(lines).toContain(`${complaint}: arf <1764592200.5551212.cfl@arf.mail.yahoo.com>`);
    expect(lines).toContain(
      '  milo@yahoo.com  -  complaint  Feedback-Type: abuse (Yahoo!-Mail-Feedback/2.0)',
    );
  });

  test('--json: one document, the shape of the contract', () => {
    const result = bulletin(['bounces', 'classify', '--json', twoRecipients, complaint], scratch);
    expect(result.status).toBe(0);
    const reports = JSON.parse(result.stdout) as {
      file: string;
      format: string;
      bounceTokens: string[];
      recipients: { address: string; status?: string; diagnostic?: string; verdict: string }[];
    }[];
    expect(reports.map((r) => [r.file, r.format, r.bounceTokens])).toEqual([
      [twoRecipients, 'dsn', ['m2lt1q2m4x9p3rt6']],
      [complaint, 'arf', ['m1l0q2m4x9p3rt6v']],
    ]);
    expect(reports[0]?.recipients.map((r) => [r.address, r.status, r.verdict])).toEqual([
      ['alice@example.org', '5.1.1', 'hard'],
      ['bob@example.org', '5.2.2', 'soft'],
    ]);
    expect(reports[1]?.recipients).toEqual([
      {
        address: 'milo@yahoo.com',
        diagnostic: 'Feedback-Type: abuse (Yahoo!-Mail-Feedback/2.0)',
        verdict: 'complaint',
      },
    ]);
  });

  test('a garbage file is classified, not refused (format unknown, exit 0)', () => {
    const garbage = join(scratch, 'garbage.eml');
    writeFileSync(garbage, Buffer.from([0, 1, 2, 255, 254, 10, 13, 0]));
    const result = bulletin(['bounces', 'classify', garbage], scratch);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${garbage}: unknown\n  (no recipients reported)\n`);
  });

  test('a missing file: one line naming the path, exit 1, nothing on stdout', () => {
    const missing = join(scratch, 'no-such.eml');
    const result = bulletin(['bounces', 'classify', twoRecipients, missing], scratch);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`bulletin: cannot read ${missing}: no such file (ENOENT)\n`);
  });

  test('a folder or an unreadable file: one line naming the path, exit 1', () => {
    const folder = bulletin(['bounces', 'classify', scratch], scratch);
    expect(folder.status).toBe(1);
    expect(folder.stderr).toBe(
      `bulletin: cannot read ${scratch}: it is a folder, not a message file (EISDIR)\n`,
    );
    if (process.getuid?.() === 0) return; // root reads any file
    const locked = join(scratch, 'locked.eml');
    writeFileSync(locked, 'From: a@example.org\r\n\r\nx\r\n');
    chmodSync(locked, 0o000);
    const result = bulletin(['bounces', 'classify', locked], scratch);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`bulletin: cannot read ${locked}: permission denied (EACCES)\n`);
  });

  test('--json with a missing file: the JSON error document, exit 1', () => {
    const result = bulletin(['bounces', 'classify', '--json', 'nowhere.eml'], scratch);
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      exitCode: 1,
      error: 'cannot read nowhere.eml: no such file (ENOENT)',
    });
  });

  test.each([
    ['no file', ['bounces', 'classify']],
    ['an unknown option', ['bounces', 'classify', '--verbose', twoRecipients]],
    ['an unknown subcommand', ['bounces', 'classfy', twoRecipients]],
  ])('usage error (%s): exit 2', (_name, args) => {
    const result = bulletin(args, scratch);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
  });
});
