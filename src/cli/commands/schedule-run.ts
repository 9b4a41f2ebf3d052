import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { wallTimeExists, zonedTimeToUtc } from '../../archive/calendar.js';
import { buildEmailForSend } from '../../build/email-for-send.js';
import { loadConfig } from '../../content/config.js';
import { formatDiagnostic } from '../../diagnostics/format.js';
import { listSendRefusals } from '../../dispatch/send-policy.js';
import { openStores } from '../../store/stores.js';
import { isCalendarDate, utcMinute } from '../../support/dates.js';
import { EXIT_FAILED, EXIT_OK, UsageError } from '../exit.js';
import { printJson, say } from '../io.js';
import { checkLinksOf } from '../link-check.js';
import { sayRefusals } from '../report.js';
import { assertDate } from '../select-dates.js';

export interface ScheduleOptions {
  list: string;
  at?: string;
  cancel?: boolean;
  offline?: boolean;
  json?: boolean;
}

/** `bulletin schedule`: queue a send for `bulletin serve` to run at its time, or cancel one. */
export async function scheduleCommand(root: string, date: string, options: ScheduleOptions): Promise<number> {
  assertDate(date);
  const config = (await loadConfig(root)).config;
  if (!config) throw new UsageError('The config does not load; run `bulletin check` to see why.');
  if (!config.lists.some((l) => l.id === options.list))
    throw new UsageError(
      `Unknown list "${options.list}". The lists are: ${config.lists.map((l) => l.id).join(', ')}.`,
    );
  const stores = await openStores(root, config);
  const { schedules } = stores;
  try {
    if (options.cancel) {
      const current = await schedules.get(date, options.list);
      if (current?.state !== 'scheduled') {
        say(
          `${date} to ${options.list}: nothing scheduled to cancel${current ? ` (it is ${current.state})` : ''}.`,
        );
        return EXIT_FAILED;
      }
      await schedules.mark(date, options.list, 'cancelled');
      say(`${date} to ${options.list}: cancelled.`);
      if (options.json) printJson({ ok: true, cancelled: true });
      return EXIT_OK;
    }
    const match = /^(\d{4}-\d{2}-\d{2})[ T]([01]\d|2[0-3]):([0-5]\d)$/.exec(options.at?.trim() ?? '');
    if (!match || !isCalendarDate(match[1]!))
      throw new UsageError(
        `--at "${options.at ?? ''}" is not a time Bulletin can read; write the day and a 24-hour time, like "2026-11-27 09:00" (in ${config.site.timezone}).`,
      );
    const at = zonedTimeToUtc(match[1]!, `${match[2]}:${match[3]}`, config.site.timezone);
    if (Number.isNaN(at.getTime())) throw new UsageError(`--at "${options.at}" is not a real time.`);
    if (!wallTimeExists(match[1]!, `${match[2]}:${match[3]}`, config.site.timezone)) {
      throw new UsageError(
        `--at "${options.at}" does not exist in ${config.site.timezone}: the clocks go forward then. Give a time an hour later.`,
      );
    }
    const minutesAgo = Math.round((Date.now() - at.getTime()) / 60_000);
    if (minutesAgo > config.schedule.missedAfterMinutes) {
      throw new UsageError(
        `--at "${options.at}" was ${minutesAgo} minutes ago; a send that late would only be reported as missed. To send it now: \`bulletin send ${date} --list ${options.list}\`; or give a later time.`,
      );
    }
    const built = await buildEmailForSend(root, date);
    const linkProblems = built.layout ? await checkLinksOf(root, built.links, options.offline) : [];
    const errors = [...built.problems, ...linkProblems].filter((p) => p.severity === 'error');
    if (errors.length) {
      for (const problem of errors) say(`${formatDiagnostic(problem)}\n`);
      say(`${date} was not scheduled: fix the errors above first.`);
      return EXIT_FAILED;
    }
    const refusals = listSendRefusals(config, built.problems);
    if (refusals.length) {
      sayRefusals(refusals);
      say(`${date} was not scheduled: a scheduled send goes to the whole list.`);
      return EXIT_FAILED;
    }
    const before = await schedules.get(date, options.list);
    const put = await schedules.put(date, options.list, at);
    if (!put.ok) {
      say(`${date} to ${options.list} is already ${put.state}; it is not scheduled again.`);
      return EXIT_FAILED;
    }
    const when = `${match[1]} ${match[2]}:${match[3]} ${config.site.timezone} (${utcMinute(at)})`;
    const moved = before?.state === 'scheduled' ? ` (moved from ${utcMinute(before.at)})` : '';
    say(
      `${date} to ${options.list}: scheduled for ${when}${moved}. \`bulletin serve\` sends it ${minutesAgo >= 0 ? 'as soon as it runs (that time has come)' : 'then'}${config.approval.required ? ', once it is approved as it stands' : ''}.`,
    );
    if (!existsSync(join(root, 'dist', 'site', 'index.html')))
      say(
        'Note: `bulletin serve` runs scheduled sends, and it serves the archive, so it needs one: run `bulletin build` before starting it.',
      );
    if (options.json) printJson({ ok: true, date, list: options.list, at: at.toISOString() });
    return EXIT_OK;
  } finally {
    await stores.close();
  }
}
