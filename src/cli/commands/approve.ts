import type { Command } from 'commander';
import { formatDiagnostic } from '../../diagnostics/format.js';
import { EXIT_FAILED, EXIT_OK, UsageError } from '../exit.js';
import { printJson, say } from '../io.js';
import { assertDate } from '../select-dates.js';
import type { GlobalOptions } from '../options.js';

type Run = (action: () => Promise<number>) => Promise<void>;

export function registerApprove(program: Command, run: Run): void {
  program
    .command('approve')
    .description('record that an issue, as it is built now, is approved for sending')
    .argument('<date>', 'the issue (YYYY-MM-DD)')
    .requiredOption('--by <name>', 'who approves it')
    .option('--json', 'print one JSON document on stdout')
    .addHelpText(
      'after',
      '\nWith `approval.required` in the config, `bulletin send` refuses an issue that is not approved, or that changed after approval. With `approval.twoPeople`, the approver must not be the editor named in issue.md.',
    )
    .action((date: string, options: { by: string; json?: boolean }) =>
      run(async () => {
        const { root } = program.opts<GlobalOptions>();
        assertDate(date);
        const approver = options.by.replace(/\s+/g, ' ').trim();
        if (!approver) throw new UsageError('--by needs the name of the person approving.');
        const { buildEmailForSend } = await import('../../build/email-for-send.js');
        const built = await buildEmailForSend(root, date);
        const errors = built.problems.filter((p) => p.severity === 'error');
        if (errors.length || !built.layout) {
          for (const problem of errors) say(`${formatDiagnostic(problem)}\n`);
          say(`${date} was not approved: fix the errors above first.`);
          if (options.json) printJson({ ok: false, reason: 'errors', problems: errors.length });
          return EXIT_FAILED;
        }
        const { loadConfig } = await import('../../content/config.js');
        const config = (await loadConfig(root)).config!;
        if (config.approval.twoPeople) {
          const { loadIssue } = await import('../../content/load-issue.js');
          const editor = (await loadIssue(root, date, config)).issue?.editor;
          const refusal = !editor
            ? `approval.twoPeople asks for an approver other than the editor, and issue.md names no editor. Add \`editor: NAME\` to its front matter.`
            : editor.trim().toLowerCase() === approver.toLowerCase()
              ? `${approver} is this issue's editor; approval.twoPeople asks for someone else to approve it.`
              : undefined;
          if (refusal) {
            say(`${date} was not approved: ${refusal}`);
            if (options.json) printJson({ ok: false, reason: 'two-people' });
            return EXIT_FAILED;
          }
        }
        const { issueHash, SqliteApprovals } = await import('../../approval/approvals.js');
        const { databasePath } = await import('../../subscribers/open-store.js');
        const hash = issueHash(built.layout);
        const approvals = new SqliteApprovals(databasePath(root, config));
        try {
          approvals.approve(date, hash, approver);
        } finally {
          approvals.close();
        }
        say(
          `${date} approved by ${approver} (build ${hash.slice(0, 12)}). A change to the issue after this needs approving again.`,
        );
        if (options.json) printJson({ ok: true, date, approver, hash });
        return EXIT_OK;
      }),
    );
}
