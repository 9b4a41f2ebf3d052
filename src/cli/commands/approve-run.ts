import { issueHash } from '../../approval/approvals.js';
import { twoPeopleRefusal } from '../../approval/two-people.js';
import { buildEmailForSend } from '../../build/email-for-send.js';
import { loadConfig } from '../../content/config.js';
import { loadIssue } from '../../content/load-issue.js';
import { formatDiagnostic } from '../../diagnostics/format.js';
import { openStores } from '../../store/stores.js';
import { EXIT_FAILED, EXIT_OK, UsageError } from '../exit.js';
import { printJson, say } from '../io.js';
import { assertDate } from '../select-dates.js';

/** `bulletin approve`: the rule it applies lives in approval/; this records it and says so. */
export async function approveCommand(
  root: string,
  date: string,
  options: { by: string; json?: boolean },
): Promise<number> {
  assertDate(date);
  const approver = options.by.replace(/\s+/g, ' ').trim();
  if (!approver) throw new UsageError('--by needs the name of the person approving.');
  const built = await buildEmailForSend(root, date);
  const errors = built.problems.filter((p) => p.severity === 'error');
  if (errors.length || !built.layout) {
    for (const problem of errors) say(`${formatDiagnostic(problem)}\n`);
    say(`${date} was not approved: fix the errors above first.`);
    if (options.json) printJson({ ok: false, reason: 'errors', problems: errors.length });
    return EXIT_FAILED;
  }
  const config = (await loadConfig(root)).config!;
  // The issue is read again only when the rule needs its editor.
  const editor = config.approval.twoPeople ? (await loadIssue(root, date, config)).issue?.editor : undefined;
  const refusal = twoPeopleRefusal(config, editor, approver);
  if (refusal) {
    say(`${date} was not approved: ${refusal}`);
    if (options.json) printJson({ ok: false, reason: 'two-people' });
    return EXIT_FAILED;
  }
  const hash = issueHash(built.layout);
  const stores = await openStores(root, config);
  try {
    await stores.approvals.approve(date, hash, approver, new Date());
  } finally {
    await stores.close();
  }
  say(
    `${date} approved by ${approver} (build ${hash.slice(0, 12)}). A change to the issue after this needs approving again.`,
  );
  if (options.json) printJson({ ok: true, date, approver, hash });
  return EXIT_OK;
}
