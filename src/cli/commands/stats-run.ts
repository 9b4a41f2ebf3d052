import { issueStats } from '../../analytics/issue-stats.js';
import { loadConfig } from '../../content/config.js';
import { openStores } from '../../store/stores.js';
import { EXIT_OK, UsageError } from '../exit.js';
import { printJson } from '../io.js';
import { assertDate } from '../select-dates.js';
import { statsCsv, statsTable } from './stats-report.js';

export interface StatsOptions {
  list?: string;
  json?: boolean;
  csv?: boolean;
}

/** `bulletin stats`: what was sent and delivered, and which items and links were followed. */
export async function statsCommand(root: string, date: string, options: StatsOptions): Promise<number> {
  assertDate(date);
  if (options.json && options.csv) throw new UsageError('Choose one of --json and --csv.');
  const { config } = await loadConfig(root);
  if (!config) throw new UsageError('The config does not load; run `bulletin check` to see why.');
  if (options.list && !config.lists.some((l) => l.id === options.list))
    throw new UsageError(
      `Unknown list "${options.list}". The lists are: ${config.lists.map((l) => l.id).join(', ')}.`,
    );
  const stores = await openStores(root, config);
  try {
    const lists = (await stores.bounces.counts(date)).filter((c) => !options.list || c.list === options.list);
    const stats = issueStats(date, lists, await stores.clicks.counts(date));
    if (options.json) printJson(stats);
    else if (options.csv) process.stdout.write(statsCsv(stats));
    else for (const line of statsTable(stats)) process.stdout.write(`${line}\n`);
    return EXIT_OK;
  } finally {
    await stores.close();
  }
}
