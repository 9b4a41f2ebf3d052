import { type Deliverability, deliverabilityLine, deliverabilityOf } from '../../bounces/health.js';
import type { BounceStore } from '../../bounces/store.js';
import { loadConfig } from '../../content/config.js';
import type { SendLedger } from '../../dispatch/ledger.js';
import { loadSecrets } from '../../dispatch/secret.js';
import { workerState } from '../../dispatch/worker-lease.js';
import { openStores } from '../../store/stores.js';
import { utcMinute } from '../../support/dates.js';
import { EXIT_OK, UsageError } from '../exit.js';
import { printJson, say } from '../io.js';
import { assertDate } from '../select-dates.js';

/** A moment to the second: workers come and go within a minute. */
function utcSecond(moment: string): string {
  return `${moment.slice(0, 19).replace('T', ' ')} UTC`;
}

/** Each worker that has taken part in the send of `date` to `list`: one line each, and the JSON. */
async function showWorkers(ledger: SendLedger, date: string, list: string) {
  const now = new Date();
  const workers = (await ledger.workers(date, list)).map((worker) => ({
    ...worker,
    state: workerState(worker, now),
  }));
  for (const w of workers) {
    const c = w.counts;
    say(
      `  worker ${w.host} pid ${w.pid}: ${w.state}, started ${utcSecond(w.startedAt)}, last heartbeat ${utcSecond(w.heartbeatAt)}; ${c.sent} sent, ${c.failed} failed, ${c.unknown} unknown`,
    );
  }
  return workers;
}

/** What was heard after the send, per list (bounces, complaints, deliveries), and what it calls for. */
async function showDeliverability(
  bounces: BounceStore,
  date: string,
  list: string | undefined,
): Promise<Deliverability[]> {
  const lists = (await bounces.counts(date)).filter((c) => !list || c.list === list).map(deliverabilityOf);
  for (const d of lists) {
    say(`${date} ${d.list} after the send: ${deliverabilityLine(d)}`);
    for (const note of d.notes) say(`  ${note.level === 'alert' ? 'ALERT' : 'warning'}: ${note.text}`);
  }
  return lists;
}

/** `bulletin status`: the send ledger of an issue (the whole send and each worker), and its scheduled sends. */
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
  const stores = await openStores(root, config);
  const { ledger } = stores;
  try {
    const counts = await ledger.counts(date, options.list);
    const workers: Record<string, Awaited<ReturnType<typeof showWorkers>>> = {};
    for (const [list, c] of Object.entries(counts)) {
      say(
        `${date} ${list}: ${Object.entries(c)
          .map(([s, n]) => `${n} ${s}`)
          .join(', ')}`,
      );
      workers[list] = await showWorkers(ledger, date, list);
    }
    if (Object.keys(counts).length === 0)
      say(`${date}: nothing has been sent${options.list ? ` to ${options.list}` : ''}.`);
    const deliverability = await showDeliverability(stores.bounces, date, options.list);
    const planned = (await stores.schedules.all()).filter(
      (s) => s.issue === date && (!options.list || s.list === options.list),
    );
    for (const s of planned) {
      const when = utcMinute(s.at);
      const detail = s.detail && s.state !== 'running' ? `: ${s.detail}` : '';
      say(
        `${date} ${s.list}: ${s.state === 'scheduled' ? `scheduled for ${when}${s.detail ? `, waiting${detail}` : ''}` : `scheduled send ${s.state === 'running' ? 'under way' : s.state} (it was due ${when})${detail}`}`,
      );
    }
    if (options.json)
      printJson({ ok: true, date, lists: counts, workers, deliverability, schedules: planned });
    return EXIT_OK;
  } finally {
    await stores.close();
  }
}
