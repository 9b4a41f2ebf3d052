import { SetupError } from '../diagnostics/setup-error.js';
import { type CopyEndpoint, locate, openEndpoint } from './copy-endpoints.js';
import { redactUrl } from './postgres/pool.js';

/**
 * Every table a site keeps, parents before the tables that refer to them. The names are the same
 * on both engines (store-spec.md); `schema_migrations` and SQLite's user_version are each engine's own.
 */
export const COPIED_TABLES = [
  'subscribers',
  'memberships',
  'consent_log',
  'suppressions',
  'confirmations',
  'deliveries',
  'bounce_events',
  'approvals',
  'schedules',
  'service_mail',
  'send_workers',
  'send_pacing',
  'send_slots',
  'rate_limits',
  'click_links',
  'clicks',
] as const;

/** Rows written per statement: small enough for PostgreSQL's 65,535 parameters, big enough to be quick. */
const BATCH = 500;

export interface CopyReport {
  from: string;
  to: string;
  /** Rows per table, the same in both databases after the copy. */
  tables: { table: string; rows: number }[];
}

/**
 * Copies a whole site's database into an empty one, either engine to either: every table, ids
 * kept, in batches (a 100,000-subscriber list never sits in memory), in one transaction on the
 * target (a failure leaves it empty), the row counts of every table compared afterwards.
 */
export async function copyDatabase(from: string, to: string, root: string): Promise<CopyReport> {
  const [sourceAt, targetAt] = [locate(from, root), locate(to, root)];
  if (sourceAt.at === targetAt.at)
    throw new SetupError(
      `--from and --to are the same database (${redactUrl(sourceAt.at)}); give another --to.`,
    );
  const source = await openEndpoint(sourceAt, '--from');
  try {
    const target = await openEndpoint(targetAt, '--to');
    try {
      return await copyBetween(source, target);
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

interface Plan {
  table: string;
  columns: string[];
}

async function copyBetween(source: CopyEndpoint, target: CopyEndpoint): Promise<CopyReport> {
  await refuseNonEmpty(target);
  const plans = await plan(source, target);
  await target.begin();
  try {
    for (const { table, columns } of plans) {
      let batch: unknown[][] = [];
      for await (const row of source.rows(table, columns)) {
        batch.push(row);
        if (batch.length === BATCH) {
          await insert(target, table, columns, batch);
          batch = [];
        }
      }
      await insert(target, table, columns, batch);
    }
    const withIds: string[] = [];
    for (const { table } of plans) if ((await target.columns(table))?.includes('id')) withIds.push(table);
    await target.afterInsert(withIds);
    await target.commit();
  } catch (error) {
    await target.rollback();
    throw error;
  }
  return { from: source.where, to: target.where, tables: await verify(source, target, plans) };
}

async function refuseNonEmpty(target: CopyEndpoint): Promise<void> {
  const held: string[] = [];
  for (const table of COPIED_TABLES) {
    if (!(await target.columns(table))) continue;
    const rows = await target.count(table);
    if (rows > 0) held.push(`${rows} in ${table}`);
  }
  if (held.length > 0)
    throw new SetupError(
      `The target ${target.where} is not empty (${held.join(', ')}); bulletin db copy only copies into an ` +
        'empty database, so nothing is merged or overwritten: create a new database (or file) and copy into that.',
    );
}

/**
 * The columns to copy: those both sides have. A table or column only the source has may be left
 * behind only when it holds nothing; otherwise the target's Bulletin is older, and copying would
 * lose data.
 */
async function plan(source: CopyEndpoint, target: CopyEndpoint): Promise<Plan[]> {
  const plans: Plan[] = [];
  for (const table of COPIED_TABLES) {
    const from = await source.columns(table);
    if (!from) continue;
    const to = await target.columns(table);
    if (!to) {
      if ((await source.count(table)) === 0) continue;
      throw new SetupError(
        `${target.where} has no table ${table} (an older Bulletin?); upgrade it, then copy again.`,
      );
    }
    for (const column of from.filter((name) => !to.includes(name)))
      if ((await source.valued(table, column)) > 0)
        throw new SetupError(
          `${target.where} has no column ${table}.${column} (an older Bulletin?); upgrade it, then copy again.`,
        );
    plans.push({ table, columns: from.filter((name) => to.includes(name)) });
  }
  return plans;
}

async function insert(
  target: CopyEndpoint,
  table: string,
  columns: string[],
  rows: unknown[][],
): Promise<void> {
  if (rows.length === 0) return;
  try {
    await target.insert(table, columns, rows);
  } catch (error) {
    throw new SetupError(
      `Cannot copy ${table} into ${target.where} (${(error as Error).message}); nothing was written. ` +
        'Check the source with `bulletin status`, or report this with the message.',
      { cause: error },
    );
  }
}

/** Every copied table's count, compared: a source written to during the copy shows here. */
async function verify(
  source: CopyEndpoint,
  target: CopyEndpoint,
  plans: Plan[],
): Promise<CopyReport['tables']> {
  const tables: CopyReport['tables'] = [];
  const differ: string[] = [];
  for (const { table } of plans) {
    const [from, to] = [await source.count(table), await target.count(table)];
    if (from !== to) differ.push(`${table}: ${from} in the source, ${to} copied`);
    tables.push({ table, rows: to });
  }
  if (differ.length > 0)
    throw new SetupError(
      `The copy in ${target.where} does not match ${source.where} (${differ.join('; ')}); was the source in use? ` +
        'Stop every bulletin serve and send, empty the target, and copy again.',
    );
  return tables;
}
