import { appendFileSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bulletin, repoRoot } from './helpers/cli.js';
import { tempSite } from './helpers/site.js';

const DATE = '2018-05-11';

/**
 * A site that asks for approval by two people, with the seed issue (edited by Sam Jones) and one subscriber.
 */
function siteNeedingApproval() {
  const site = tempSite();
  cpSync(join(repoRoot, 'bulletins', DATE), join(site.root, 'bulletins', DATE), { recursive: true });
  appendFileSync(
    join(site.root, 'bulletin.config.yaml'),
    '\napproval:\n  required: true\n  twoPeople: true\n',
  );
  const issue = join(site.root, 'bulletins', DATE, 'issue.md');
  writeFileSync(
    issue,
    readFileSync(issue, 'utf8').replace(/^date: .*$/m, (line) => `${line}\neditor: Sam Jones`),
  );
  expect(bulletin(['subscribers', 'add', 'ann@example.org', '--list', 'weekly'], site.root).status).toBe(0);
  return { site, issue };
}

test('send refuses an issue nobody approved, or one changed since; the editor cannot approve their own', () => {
  const { site, issue } = siteNeedingApproval();
  try {
    const send = () => bulletin(['send', DATE, '--list', 'weekly', '--force'], site.root);
    const unapproved = send();
    expect(unapproved.status).toBe(1);
    expect(unapproved.stderr).toContain(
      `${DATE} was not sent: ${DATE} has not been approved. Ask an approver to check it and run \`bulletin approve ${DATE} --by NAME\`.`,
    );
    // A dry run still says who would get it, and that the real thing would stop.
    const dry = bulletin(['send', DATE, '--list', 'weekly', '--force', '--dry-run'], site.root);
    expect(dry.status).toBe(0);
    expect(dry.stderr).toContain('Note: a real send would stop here.');

    const own = bulletin(['approve', DATE, '--by', 'sam jones'], site.root);
    expect(own.status).toBe(1);
    expect(own.stderr).toContain(
      "sam jones is this issue's editor; approval.twoPeople asks for someone else to approve it.",
    );

    const approved = bulletin(['approve', DATE, '--by', 'Priya Shah', '--json'], site.root);
    expect(approved.status).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({ ok: true, date: DATE, approver: 'Priya Shah' });

    // A later edit, however small, is not what was approved.
    writeFileSync(
      issue,
      readFileSync(issue, 'utf8').replace('A one', 'One').replace(/\n$/, '\nA late addition.\n'),
    );
    const changed = send();
    expect(changed.status).toBe(1);
    expect(changed.stderr).toMatch(
      new RegExp(
        `${DATE} has changed since Priya Shah approved it \\(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\)`,
      ),
    );

    // Approved again (a new process: the approval is in the database, not in memory), it goes.
    expect(bulletin(['approve', DATE, '--by', 'Priya Shah'], site.root).status).toBe(0);
    const sent = send();
    expect(sent.status).toBe(0);
    expect(sent.stderr).toMatch(/Approved by Priya Shah/);
    expect(sent.stderr).toContain('1 sent, 0 failed');
  } finally {
    site.remove();
  }
}, 120_000);

test('approval asks for an editor in issue.md when two people are required, and errors block it', () => {
  const { site, issue } = siteNeedingApproval();
  try {
    writeFileSync(issue, readFileSync(issue, 'utf8').replace(/^editor: .*\n/m, ''));
    const noEditor = bulletin(['approve', DATE, '--by', 'Priya Shah'], site.root);
    expect(noEditor.status).toBe(1);
    expect(noEditor.stderr).toContain('issue.md names no editor. Add `editor: NAME` to its front matter.');
    writeFileSync(issue, readFileSync(issue, 'utf8').replace(/^date: .*$/m, 'date: 2018-05-12'));
    const broken = bulletin(['approve', DATE, '--by', 'Priya Shah'], site.root);
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain(`${DATE} was not approved: fix the errors above first.`);
  } finally {
    site.remove();
  }
}, 60_000);
