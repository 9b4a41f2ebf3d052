import type { Command } from 'commander';
import type { Config } from '../../content/model.js';
import type { EmailLayout } from '../../render/email/compile.js';
import { formatDiagnostic } from '../../diagnostics/format.js';
import { addDays, utcMinute } from '../../support/dates.js';
import { EXIT_FAILED, EXIT_OK, UsageError } from '../exit.js';
import { printJson, say } from '../io.js';
import { assertDate, todayIso } from '../select-dates.js';
import { checkLinksOf } from '../link-check.js';
import { sayRefusals } from '../report.js';
import type { GlobalOptions } from '../options.js';

type Run = (action: () => Promise<number>) => Promise<void>;

/** With `approval.required`: is the build about to go out the one that was approved? */
async function checkApproval(
  root: string,
  config: Config,
  date: string,
  layout: EmailLayout,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (!config.approval.required) return { ok: true };
  const { approvalOfBuild } = await import('../../approval/approvals.js');
  const { databasePath } = await import('../../subscribers/open-store.js');
  const verdict = approvalOfBuild(databasePath(root, config), date, layout);
  if (verdict.ok) say(`Approved by ${verdict.by.approver} (${utcMinute(verdict.by.approvedAt)}).`);
  return verdict.ok ? { ok: true } : verdict;
}

/** `2000/24h`, `500/1h`, `100/30m`, `10/60s` -> a sliding-window cap. */
export function parseWindow(text: string): { messages: number; ms: number } {
  const match = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$/i.exec(text);
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
  const messages = Number(match?.[1]);
  const ms = Number(match?.[2]) * unit[(match?.[3] ?? 's').toLowerCase() as keyof typeof unit];
  if (!match || messages < 1 || !(ms > 0))
    throw new UsageError(
      `--window "${text}" is not a cap; write messages/duration, e.g. 2000/24h or 500/1h.`,
    );
  return { messages, ms };
}

export function registerSend(program: Command, run: Run): void {
  program
    .command('send')
    .description('send an issue to a subscriber list (resumable: run it again to continue)')
    .argument('<date>', 'the issue (YYYY-MM-DD)')
    .requiredOption('--list <id>', 'the list to send to')
    .option('--dry-run', 'say who would get it; send nothing')
    .option('--to <address>', 'send one test message to this address (no ledger, no list)')
    .option('--rate <n>', 'messages per second at most (default from config)')
    .option('--concurrency <n>', 'parallel SMTP connections (default from config)')
    .option(
      '--window <cap>',
      'at most N messages in any sliding window, as N/DURATION, e.g. 2000/24h or 500/1h (default from config)',
    )
    .option(
      '--resend-unknown',
      'also resend messages whose outcome is unknown (the connection broke mid-message)',
    )
    .option('--force', 'send even though the issue is older than dispatch.maxAgeDays')
    .option('--offline', 'do not check links over the network first (also BULLETIN_OFFLINE=1)')
    .option('--json', 'print one JSON document on stdout')
    .addHelpText(
      'after',
      '\nWithout SMTP_URL, messages go to .bulletin/outbox/ as .eml files. Ctrl-C stops claiming new messages and lets those in flight finish.',
    )
    .action(
      (
        date: string,
        options: {
          list: string;
          dryRun?: boolean;
          to?: string;
          rate?: string;
          concurrency?: string;
          window?: string;
          resendUnknown?: boolean;
          force?: boolean;
          offline?: boolean;
          json?: boolean;
        },
      ) =>
        run(async () => {
          const { root } = program.opts<GlobalOptions>();
          assertDate(date);
          // First: a key production refuses should stop the command before any work is done.
          const { loadSecrets } = await import('../../dispatch/secret.js');
          const secrets = loadSecrets(root);
          const number = (value: string | undefined, name: string) => {
            if (value === undefined) return undefined;
            const n = Number(value);
            if (!Number.isFinite(n) || n <= 0)
              throw new UsageError(`--${name} must be a positive number, not "${value}".`);
            return n;
          };
          const rate = number(options.rate, 'rate');
          const concurrency = number(options.concurrency, 'concurrency');
          const window = options.window === undefined ? undefined : parseWindow(options.window);
          const { buildEmailForSend } = await import('../../build/email-for-send.js');
          const built = await buildEmailForSend(root, date);
          // A test message goes out whatever its links do: seeing the email is how a writer finds out.
          const linkProblems =
            options.to || !built.layout ? [] : await checkLinksOf(root, built.links, options.offline);
          const problems = [...built.problems, ...linkProblems];
          const errors = problems.filter((p) => p.severity === 'error');
          if (errors.length || !built.layout) {
            for (const problem of errors) say(`${formatDiagnostic(problem)}\n`);
            say(`${date} was not sent: fix the errors above first.`);
            if (options.json) printJson({ ok: false, reason: 'errors', problems: errors.length });
            return EXIT_FAILED;
          }
          for (const warning of linkProblems) say(`${formatDiagnostic(warning)}\n`);
          const { loadConfig } = await import('../../content/config.js');
          const config = (await loadConfig(root)).config!;
          if (!config.lists.some((l) => l.id === options.list))
            throw new UsageError(
              `Unknown list "${options.list}". The lists are: ${config.lists.map((l) => l.id).join(', ')}.`,
            );
          if (!options.force && !options.to && addDays(date, config.dispatch.maxAgeDays) < todayIso()) {
            say(
              `${date} is more than ${config.dispatch.maxAgeDays} days old; sending an old issue is usually a mistake. Add --force if it is not.`,
            );
            if (options.json) printJson({ ok: false, reason: 'too-old' });
            return EXIT_FAILED;
          }
          const { listSendRefusals } = await import('../../dispatch/send-policy.js');
          const refusals = options.to ? [] : listSendRefusals(config, built.problems);
          if (refusals.length && !options.dryRun) {
            sayRefusals(refusals);
            say(`${date} was not sent to ${options.list}. (A test with --to ADDRESS still goes.)`);
            if (options.json)
              printJson({ ok: false, reason: 'refused', refusals: refusals.map((r) => r.reason) });
            return EXIT_FAILED;
          }
          if (secrets.generated)
            say(
              'warning: BULLETIN_SECRET is not set; links are signed with a development key kept in .bulletin/secret.',
            );
          const { issueTransport, testTransport } = await import('../../dispatch/transports.js');
          const connections = concurrency ?? config.dispatch.concurrency;
          const transport = options.to
            ? testTransport(root, config, date)
            : issueTransport(root, config, date, options.list, connections);
          for (const warning of transport.warnings ?? []) say(warning);
          const { hydrateEmail } = await import('../../render/email/compile.js');
          const email = hydrateEmail(built.layout);
          try {
            if (options.to) {
              const { sendTestMessage } = await import('../../dispatch/test-message.js');
              const sent = await sendTestMessage(
                transport,
                email,
                config,
                options.list,
                options.to,
                secrets.current,
              );
              if (!sent.ok) throw new UsageError(`--to ${sent.reason}.`);
              say(`Test message sent to ${sent.address} through ${transport.name}: ${sent.response}`);
              if (options.json) printJson({ ok: true, test: sent.address, response: sent.response });
              return EXIT_OK;
            }
            const approval = await checkApproval(root, config, date, built.layout);
            if (!approval.ok && !options.dryRun) {
              say(`${date} was not sent: ${approval.reason}`);
              if (options.json) printJson({ ok: false, reason: 'not-approved' });
              return EXIT_FAILED;
            }
            const { openSubscriberStore } = await import('../../subscribers/open-store.js');
            const store = openSubscriberStore(root, config);
            try {
              if (options.dryRun) {
                if (!approval.ok) say(`Note: a real send would stop here. ${approval.reason}`);
                for (const refusal of refusals) say(`Note: a real send would stop here. ${refusal.reason}.`);
                let count = 0;
                const sample: string[] = [];
                for await (const r of store.recipients(options.list)) if (count++ < 20) sample.push(r.email);
                say(
                  `${date} to ${options.list}: ${count} recipient${count === 1 ? '' : 's'} would get "${email.subject}" through ${transport.name}.${sample.length ? `\n  ${sample.join('\n  ')}${count > 20 ? '\n  ...' : ''}` : ''}`,
                );
                if (options.json) printJson({ ok: true, dryRun: true, recipients: count, sample });
                return EXIT_OK;
              }
              const { sendToList } = await import('../send-to-list.js');
              return await sendToList({
                root,
                config,
                date,
                list: options.list,
                email,
                secret: secrets.current,
                store,
                transport,
                rate,
                window,
                connections,
                resendUnknown: Boolean(options.resendUnknown),
                json: Boolean(options.json),
              });
            } finally {
              await store.close();
            }
          } finally {
            await transport.close();
          }
        }),
    );

  program
    .command('status')
    .description('the send ledger of an issue: sent, failed, pending, unknown')
    .argument('<date>', 'the issue (YYYY-MM-DD)')
    .option('--list <id>', 'only this list')
    .option('--json', 'print one JSON document on stdout')
    .action((date: string, options: { list?: string; json?: boolean }) =>
      run(async () => {
        const { root } = program.opts<GlobalOptions>();
        assertDate(date);
        // First: a key production refuses should stop the command before any work is done.
        const { loadSecrets } = await import('../../dispatch/secret.js');
        loadSecrets(root);
        const { loadConfig } = await import('../../content/config.js');
        const { config } = await loadConfig(root);
        if (!config) throw new UsageError('The config does not load; run `bulletin check` to see why.');
        const { openSubscriberStore } = await import('../../subscribers/open-store.js');
        const { openSendLedger } = await import('../../dispatch/open-ledger.js');
        const store = openSubscriberStore(root, config);
        const ledger = openSendLedger(root, config);
        try {
          const counts = await ledger.counts(date, options.list);
          for (const [list, c] of Object.entries(counts))
            say(
              `${date} ${list}: ${Object.entries(c)
                .map(([s, n]) => `${n} ${s}`)
                .join(', ')}`,
            );
          if (Object.keys(counts).length === 0)
            say(`${date}: nothing has been sent${options.list ? ` to ${options.list}` : ''}.`);
          const { SqliteSchedules } = await import('../../schedule/schedules.js');
          const { databasePath } = await import('../../subscribers/open-store.js');
          const schedules = new SqliteSchedules(databasePath(root, config));
          const planned = schedules
            .all()
            .filter((s) => s.issue === date && (!options.list || s.list === options.list));
          schedules.close();
          for (const s of planned) {
            const when = utcMinute(s.at);
            const detail = s.detail && s.state !== 'running' ? `: ${s.detail}` : '';
            say(
              `${date} ${s.list}: ${s.state === 'scheduled' ? `scheduled for ${when}${s.detail ? `, waiting${detail}` : ''}` : `scheduled send ${s.state === 'running' ? 'under way' : s.state} (it was due ${when})${detail}`}`,
            );
          }
          if (options.json) printJson({ ok: true, date, lists: counts, schedules: planned });
          return EXIT_OK;
        } finally {
          await ledger.close();
          await store.close();
        }
      }),
    );
}
