import { loadConfig } from '../../content/config.js';
import { openSendLedger } from '../open-ledger.js';
import { loadSecrets } from '../../dispatch/secret.js';
import { SqliteSchedules } from '../../schedule/schedules.js';
import { databasePath, openSubscriberStore } from '../../subscribers/open-store.js';
import { utcMinute } from '../../support/dates.js';
import { EXIT_OK, UsageError } from '../exit.js';
import { printJson, say } from '../io.js';
import { assertDate } from '../select-dates.js';

/** `bulletin status`: the send ledger of an issue, and its scheduled sends. */
export async function statusCommand(
  root: string,
  date: string,
  options: { list?: string; json?: boolean },
): Promise<number> {
  assertDate(date);
  // First: a key production refuses should stop the command before any work is done.
  loadSecrets(root);
  const { config } = await loadConfig(root);
  if (!config) throw new UsageError('The config does not load; run `bulletin check` to see why.');
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
}
