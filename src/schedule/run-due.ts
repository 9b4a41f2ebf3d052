import { type ApprovalStore, approvalOfBuild, issueHash } from '../approval/approvals.js';
import { buildEmailForSend } from '../build/email-for-send.js';
import { checkSiteLinks, linksOffline } from '../checks/link-policy.js';
import type { Config } from '../content/model.js';
import type { SendLedger } from '../dispatch/ledger.js';
import { buildMessage } from '../dispatch/message.js';
import { runSend, settingsFromConfig } from '../dispatch/send.js';
import { describeRefusals, listSendRefusals } from '../dispatch/send-policy.js';
import type { Transport } from '../dispatch/transports.js';
import { utcMinute } from '../support/dates.js';
import { hydrateEmail } from '../render/email/compile.js';
import type { ClickStore } from '../analytics/click-store.js';
import { layoutForSend } from '../analytics/track-send.js';
import type { SubscriberStore } from '../subscribers/store.js';
import { type HeldSchedule, holdSchedule } from './claim.js';
import type { Schedule, ScheduleStore } from './schedules.js';

/** The stores a scheduled send reads and writes. */
export interface DueSendsStores {
  subscribers: SubscriberStore;
  ledger: SendLedger;
  schedules: ScheduleStore;
  approvals: ApprovalStore;
  /** Each issue's link table, with `analytics.clicks` on. */
  clicks: ClickStore;
}

/** How long a runner's claim on a schedule holds unless renewed (every third of it while it works). */
export const SCHEDULE_LEASE_MS = 60_000;

export interface DueSendsContext {
  root: string;
  config: Config;
  stores: DueSendsStores;
  /** Who runs them: one id per `serve` process, so two servers over one database never run one send twice. */
  runner: string;
  leaseMs?: number;
  secret: string;
  transportFor(issue: string, list: string): Transport;
  /** One line per event, for the operator. */
  report(line: string): void;
  now?: () => Date;
  signal?: AbortSignal;
}

/**
 * Runs the scheduled sends whose time has come, one after another, each exactly as
 * `bulletin send` would (checks, approval, the ledger). One whose time passed more than
 * `schedule.missedAfterMinutes` ago is reported as missed instead: a Friday bulletin arriving on
 * Monday because the server was down is worse than a person deciding what to do.
 */
export async function runDueSends(context: DueSendsContext): Promise<void> {
  const clock = context.now ?? (() => new Date());
  const now = clock();
  const { schedules } = context.stores;
  for (const due of await schedules.due(now)) {
    if (context.signal?.aborted) return;
    const held = await holdSchedule(
      schedules,
      due,
      context.runner,
      context.leaseMs ?? SCHEDULE_LEASE_MS,
      clock,
    );
    // Another server is running it.
    if (!held) continue;
    const signal = context.signal ? AbortSignal.any([context.signal, held.signal]) : held.signal;
    try {
      await runHeld({ ...context, signal }, due, now, held);
    } finally {
      await held.end();
    }
    if (held.lost())
      context.report(`schedule: ${due.issue} to ${due.list} was taken over by another server.`);
    if (context.signal?.aborted) return;
  }
}

/** One due schedule, held by this runner: missed, sent, or left waiting. */
async function runHeld(
  context: DueSendsContext,
  due: Schedule,
  now: Date,
  held: HeldSchedule,
): Promise<void> {
  const late = now.getTime() - Date.parse(due.at);
  if (due.state === 'scheduled' && late > context.config.schedule.missedAfterMinutes * 60_000) {
    const waited = due.detail ? ` It was waiting: ${due.detail}` : '';
    const detail = `its time (${utcMinute(due.at)}) passed ${Math.round(late / 60_000)} minutes ago, more than schedule.missedAfterMinutes; not sent.${waited.replace(/([^.])$/, '$1.')} Send it by hand with \`bulletin send ${due.issue} --list ${due.list}\`, or schedule it again.`;
    await held.mark('missed', detail);
    context.report(`schedule: ${due.issue} to ${due.list} missed: ${detail}`);
    return;
  }
  const resuming = due.state === 'running';
  const outcome = await sendOne(context, held, due.issue, due.list, resuming ? due.detail : undefined).catch(
    (error: Error) => ({ state: 'failed' as const, detail: error.message }),
  );
  // Stopped by a shutdown (or a takeover) before or while sending: left as it was, for the next start.
  if (outcome.state === 'stopped') return;
  if (outcome.state === 'waiting' && resuming) {
    // Part of the list already has it: never back to `scheduled` (it would be called missed, "not sent").
    const detail = `stopped part way and cannot resume: ${outcome.detail}. Check it, then finish with \`bulletin send ${due.issue} --list ${due.list}\` (nobody who has it gets it twice).`;
    await held.mark('failed', detail);
    context.report(`schedule: ${due.issue} to ${due.list} failed: ${detail}`);
    return;
  }
  if (outcome.state === 'waiting') {
    // Said once, not every tick; it goes out when fixed or approved, within missedAfterMinutes.
    if (outcome.detail !== due.detail)
      context.report(`schedule: ${due.issue} to ${due.list} is due but waits: ${outcome.detail}`);
    await held.mark('scheduled', outcome.detail);
    return;
  }
  await held.mark(outcome.state, outcome.detail);
  context.report(`schedule: ${due.issue} to ${due.list} ${outcome.state}: ${outcome.detail}`);
}

type Outcome = { state: 'done' | 'failed' | 'waiting' | 'stopped'; detail: string };

/** What a `running` schedule's detail holds: the hash of the email it started sending. */
const EMAIL_MARK = /^email ([0-9a-f]{16,})$/;

/**
 * Checks, then sends. A send that cannot go yet (errors, a broken link, no approval) is `waiting`:
 * it stays scheduled and goes out once fixed, or is reported missed when its window closes. One
 * cut short by a restart (`resumingFrom`: the detail it was marked `running` with) goes on only
 * with the same email: part of the list already has it, and the rest must get what they got.
 */
async function sendOne(
  context: DueSendsContext,
  held: HeldSchedule,
  issue: string,
  list: string,
  resumingFrom: string | null | undefined,
): Promise<Outcome> {
  const { config } = context;
  const resuming = resumingFrom !== undefined;
  const built = await buildEmailForSend(context.root, issue);
  const errors = built.problems.filter((p) => p.severity === 'error');
  if (errors.length || !built.layout)
    return {
      state: 'waiting',
      detail: `${errors.length} error(s) in the issue; run \`bulletin check ${issue}\``,
    };
  const refusals = listSendRefusals(config, built.problems);
  if (refusals.length) return { state: 'waiting', detail: describeRefusals(refusals) };
  const hash = issueHash(built.layout);
  const started = EMAIL_MARK.exec(resumingFrom ?? '')?.[1];
  if (resuming && started && started !== hash)
    return {
      state: 'waiting',
      detail:
        'the issue has changed since this send started, so the rest of the list would get a different email',
    };
  // Links were checked when it was scheduled; a page can vanish in the days between. (A send
  // cut short went through this check before it started.)
  if (!linksOffline() && !resuming) {
    const checked = await checkSiteLinks(context.root, config, built.links, context.signal);
    if (checked.aborted || context.signal?.aborted)
      return { state: 'stopped', detail: 'stopped before sending' };
    const broken = checked.problems.filter((p) => p.severity === 'error');
    if (broken.length)
      return {
        state: 'waiting',
        detail: `${broken.length} broken link(s), e.g. ${broken[0]!.file}:${broken[0]!.line}:${broken[0]!.column}: ${broken[0]!.message} Run \`bulletin check ${issue}\` and fix them`,
      };
  }
  if (config.approval.required) {
    const verdict = await approvalOfBuild(context.stores.approvals, issue, built.layout);
    if (!verdict.ok) return { state: 'waiting', detail: verdict.reason.replace(/\.$/, '') };
  }
  if (context.signal?.aborted) return { state: 'stopped', detail: 'stopped before sending' };
  await held.mark('running', `email ${hash}`);
  context.report(`schedule: sending ${issue} to ${list}`);
  const tracking = { config, secret: context.secret, sources: built.links, clicks: context.stores.clicks };
  const email = hydrateEmail(await layoutForSend(built.layout, tracking));
  const transport = context.transportFor(issue, list);
  for (const warning of transport.warnings ?? []) context.report(`schedule: ${warning}`);
  try {
    const summary = await runSend(
      { issue, list, message: (to) => buildMessage(email, config, list, to, context.secret) },
      context.stores.subscribers,
      context.stores.ledger,
      transport,
      {
        ...settingsFromConfig(config.dispatch),
        ...(context.signal ? { signal: context.signal } : {}),
      },
    );
    const c = summary.counts;
    const detail = `${c.sent} sent, ${c.failed} failed, ${c.unknown} unknown, ${c.skipped} skipped, ${c.pending} pending${summary.stopped ? ` (${summary.stopped})` : ''}`;
    if (context.signal?.aborted) return { state: 'stopped', detail };
    return { state: summary.stopped || c.pending > 0 ? 'failed' : 'done', detail };
  } finally {
    await transport.close();
  }
}
