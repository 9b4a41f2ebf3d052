import { layoutForSend } from '../../analytics/track-send.js';
import { approvalForSend } from '../../approval/approvals.js';
import { buildEmailForSend } from '../../build/email-for-send.js';
import { loadConfig } from '../../content/config.js';
import { formatDiagnostic } from '../../diagnostics/format.js';
import { loadSecrets } from '../../dispatch/secret.js';
import { listSendRefusals, tooOldToSend } from '../../dispatch/send-policy.js';
import { sendTestMessage } from '../../dispatch/test-message.js';
import { issueTransport, testTransport } from '../../dispatch/transports.js';
import { hydrateEmail } from '../../render/email/compile.js';
import { openStores } from '../../store/stores.js';
import { utcMinute } from '../../support/dates.js';
import { EXIT_FAILED, EXIT_OK, UsageError } from '../exit.js';
import { printJson, say } from '../io.js';
import { checkLinksOf } from '../link-check.js';
import { sayRefusals } from '../report.js';
import { assertDate, todayIso } from '../select-dates.js';
import { sendToList } from '../send-to-list.js';
import { parseWindow } from '../send-window.js';

export interface SendOptions {
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
}

/** `bulletin send`: the policy it applies lives in dispatch/ and approval/; this says what happened. */
export async function sendCommand(root: string, date: string, options: SendOptions): Promise<number> {
  assertDate(date);
  // First: a key production refuses should stop the command before any work is done.
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
  const config = (await loadConfig(root)).config!;
  if (!config.lists.some((l) => l.id === options.list))
    throw new UsageError(
      `Unknown list "${options.list}". The lists are: ${config.lists.map((l) => l.id).join(', ')}.`,
    );
  const tooOld = options.force || options.to ? undefined : tooOldToSend(config, date, todayIso());
  if (tooOld) {
    say(tooOld);
    if (options.json) printJson({ ok: false, reason: 'too-old' });
    return EXIT_FAILED;
  }
  const refusals = options.to ? [] : listSendRefusals(config, built.problems);
  if (refusals.length && !options.dryRun) {
    sayRefusals(refusals);
    say(`${date} was not sent to ${options.list}. (A test with --to ADDRESS still goes.)`);
    if (options.json) printJson({ ok: false, reason: 'refused', refusals: refusals.map((r) => r.reason) });
    return EXIT_FAILED;
  }
  if (secrets.generated)
    say(
      'warning: BULLETIN_SECRET is not set; links are signed with a development key kept in .bulletin/secret.',
    );
  const connections = concurrency ?? config.dispatch.concurrency;
  const transport = options.to
    ? testTransport(root, config, date)
    : issueTransport(root, config, date, options.list, connections);
  for (const warning of transport.warnings ?? []) say(warning);
  const email = hydrateEmail(built.layout);
  try {
    if (options.to) {
      const sent = await sendTestMessage(transport, email, config, options.list, options.to, secrets.current);
      if (!sent.ok) throw new UsageError(`--to ${sent.reason}.`);
      say(`Test message sent to ${sent.address} through ${transport.name}: ${sent.response}`);
      if (options.json) printJson({ ok: true, test: sent.address, response: sent.response });
      return EXIT_OK;
    }
    const stores = await openStores(root, config);
    try {
      const approval = await approvalForSend(config, stores.approvals, date, built.layout);
      if (approval.ok && approval.by)
        say(`Approved by ${approval.by.approver} (${utcMinute(approval.by.approvedAt)}).`);
      if (!approval.ok && !options.dryRun) {
        say(`${date} was not sent: ${approval.reason}`);
        if (options.json) printJson({ ok: false, reason: 'not-approved' });
        return EXIT_FAILED;
      }
      if (options.dryRun) {
        if (!approval.ok) say(`Note: a real send would stop here. ${approval.reason}`);
        for (const refusal of refusals) say(`Note: a real send would stop here. ${refusal.reason}.`);
        let count = 0;
        const sample: string[] = [];
        for await (const r of stores.subscribers.recipients(options.list))
          if (count++ < 20) sample.push(r.email);
        say(
          `${date} to ${options.list}: ${count} recipient${count === 1 ? '' : 's'} would get "${email.subject}" through ${transport.name}.${sample.length ? `\n  ${sample.join('\n  ')}${count > 20 ? '\n  ...' : ''}` : ''}`,
        );
        if (options.json) printJson({ ok: true, dryRun: true, recipients: count, sample });
        return EXIT_OK;
      }
      // The list's messages only: a test message's links go straight to their targets.
      const sources = built.links;
      const tracking = { config, secret: secrets.current, sources, clicks: stores.clicks };
      return await sendToList({
        root,
        config,
        date,
        list: options.list,
        email: hydrateEmail(await layoutForSend(built.layout, tracking)),
        secret: secrets.current,
        store: stores.subscribers,
        ledger: stores.ledger,
        transport,
        rate,
        window,
        connections,
        resendUnknown: Boolean(options.resendUnknown),
        json: Boolean(options.json),
      });
    } finally {
      await stores.close();
    }
  } finally {
    await transport.close();
  }
}
