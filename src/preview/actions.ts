import { type IssueStats, issueStats } from '../analytics/issue-stats.js';
import { checkSiteLinks } from '../checks/link-policy.js';
import { approvalOfBuild } from '../approval/approvals.js';
import { type Deliverability, deliverabilityLine, deliverabilityOf } from '../bounces/health.js';
import type { Config } from '../content/model.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import type { EmailLayout } from '../render/email/compile.js';
import type { ScheduleStore } from '../schedule/schedules.js';
import { utcMinute } from '../support/dates.js';
import type { PreviewBuild } from './build-preview.js';
import { type OpenExistingStores, type ReleaseStores, sessionStores } from './session-stores.js';

export type { OpenExistingStores, ReleaseStores } from './session-stores.js';

/**
 * "Send test": the issue built as `bulletin send` builds it (the site's real addresses, not the
 * preview's), to one address through the configured transport, as subscribers of `list` get it.
 */
export function sendTestFor(root: string, date: string) {
  return async (
    to: string,
    list: string,
  ): Promise<{ ok: true; address: string; response: string } | { ok: false; reason: string }> => {
    const { runPipeline } = await import('../build/pipeline.js');
    const report = await runPipeline({ root, dates: [date], write: false, keepEmails: true });
    const issue = report.issues[0];
    const problems = [...report.configProblems, ...(issue?.problems ?? [])];
    if (!issue?.email || hasErrors(problems))
      return { ok: false, reason: 'The issue has errors; fix them first (they are listed on the left).' };
    const { loadConfig } = await import('../content/config.js');
    const config = (await loadConfig(root)).config!;
    if (!config.lists.some((l) => l.id === list)) return { ok: false, reason: `There is no list "${list}".` };
    const { testTransport } = await import('../dispatch/transports.js');
    const { loadSecrets } = await import('../dispatch/secret.js');
    const { sendTestMessage } = await import('../dispatch/test-message.js');
    const transport = testTransport(root, config, date);
    try {
      const sent = await sendTestMessage(transport, issue.email, config, list, to, loadSecrets(root).current);
      return sent.ok ? { ...sent, response: `${sent.response} (${transport.name})` } : sent;
    } finally {
      await transport.close();
    }
  };
}

/**
 * The network link check after each build, with the site's exclusions and cache: only new addresses are
 * fetched.
 */
export function linkChecksFor(root: string) {
  const nothing = { problems: [], checked: 0, notAsked: 0, fromCache: 0, excluded: 0 };
  return (build: PreviewBuild, signal: AbortSignal) =>
    build.config ? checkSiteLinks(root, build.config, build.links, signal) : Promise.resolve(nothing);
}

/** Where the issue stands on its way out: approval (when the config asks for it) and scheduled sends. */
export interface ReleaseStatus {
  approval: { required: boolean; ok: boolean; text: string };
  schedules: { list: string; at: string; state: string; detail: string | null }[];
  /** Per list this issue was sent to: what was heard after (as `bulletin status` shows it), and its line. */
  sends: (Deliverability & { line: string })[];
  /** The issue's clicks, as `bulletin stats` counts them; absent when it has no link table. */
  clicks?: ClickSummary;
  timezone: string;
  /** The verdict of an earlier build, shown while this one's is worked out. */
  checking?: boolean;
}

/** Readers' and scanners' clicks in total, then per item its readers' clicks, the most read first. */
export interface ClickSummary {
  readers: number;
  scanners: number;
  /** `item` null: the email's own links. */
  items: { item: string | null; readers: number }[];
}

/** The release status of one preview session. */
export interface ReleaseStatusSource {
  afterBuild(): Promise<ReleaseStatus | undefined>;
  refresh(): Promise<ReleaseStatus | undefined>;
  /** Closes the database the session kept open: the preview is stopping. */
  close(): Promise<void>;
}

/**
 * The release status. Approval is of the email as subscribers will read it, so `afterBuild` builds
 * it again with the site's real addresses (the preview's own point at this server); it runs after
 * the page is drawn, like the link check. `refresh` asks the database again about the same build
 * (an approval or a schedule made in another terminal). Neither creates the database; once it
 * exists, one opening of it serves the whole session, until `close`.
 */
export function releaseStatusFor(
  root: string,
  date: string,
  openExisting: OpenExistingStores,
): ReleaseStatusSource {
  let layout: EmailLayout | undefined;
  const database = sessionStores(openExisting);
  const status = async (rebuild: boolean): Promise<ReleaseStatus | undefined> => {
    const { loadConfig } = await import('../content/config.js');
    const config = (await loadConfig(root)).config;
    if (!config) return undefined;
    if (rebuild || !layout) {
      const { runPipeline } = await import('../build/pipeline.js');
      layout = (await runPipeline({ root, dates: [date], write: false, keepEmails: true })).issues[0]?.email
        ?.layout;
    }
    const built = layout;
    return database.read(config, (stores) => statusFrom(config, stores, built));
  };
  const statusFrom = async (
    config: Config,
    stores: ReleaseStores | undefined,
    built: EmailLayout | undefined,
  ): Promise<ReleaseStatus> => {
    const schedules = stores ? await schedulesOf(stores.schedules, date) : [];
    const sends = stores ? await sendsOf(stores, date) : [];
    const clicks = stores ? clickSummary(issueStats(date, [], await stores.clicks.counts(date))) : undefined;
    const required = config.approval.required;
    const of = (ok: boolean, text: string): ReleaseStatus => ({
      approval: { required, ok, text },
      schedules,
      sends,
      clicks,
      timezone: config.site.timezone,
    });
    if (!built) return of(false, 'The issue has errors; approval waits until it builds.');
    if (!stores) return of(false, notApproved(date, required));
    const verdict = await approvalOfBuild(stores.approvals, date, built);
    if (verdict.ok)
      return of(
        true,
        `Approved by ${verdict.by.approver} (${utcMinute(verdict.by.approvedAt)}), as it stands now.`,
      );
    return of(false, `${verdict.reason}${required ? '' : ' (This site does not require approval.)'}`);
  };
  return { afterBuild: () => status(true), refresh: () => status(false), close: () => database.close() };
}

function notApproved(date: string, required: boolean): string {
  return required
    ? `Not approved yet; sending needs it: \`bulletin approve ${date} --by NAME\`.`
    : 'Not approved (this site does not require approval).';
}

async function schedulesOf(schedules: ScheduleStore, date: string): Promise<ReleaseStatus['schedules']> {
  return (await schedules.all())
    .filter((s) => s.issue === date)
    .map(({ list, at, state, detail }) => ({ list, at, state, detail }));
}

async function sendsOf(stores: ReleaseStores, date: string): Promise<ReleaseStatus['sends']> {
  return (await stores.bounces.counts(date)).map((counts) => {
    const health = deliverabilityOf(counts);
    return { ...health, line: `${health.list}: ${deliverabilityLine(health)}` };
  });
}

/** No link table (analytics.clicks was off, or not sent yet): nothing to say about clicks. */
function clickSummary(stats: IssueStats): ClickSummary | undefined {
  if (stats.items.length === 0) return undefined;
  const items = stats.items.map(({ item, readers }) => ({ item, readers }));
  // A stable sort: items read as often keep the email's order.
  items.sort((a, b) => b.readers - a.readers);
  return { readers: stats.readers, scanners: stats.scanners, items };
}
