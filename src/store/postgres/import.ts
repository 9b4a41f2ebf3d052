import type pg from 'pg';
import type { ImportOutcome, ListStatus, NewSubscriber } from '../../subscribers/store.js';
import { KEPT_OUT } from '../../subscribers/store.js';
import { IMPORT_SQL as SQL } from './queries.js';

const CHUNK = 500;

interface Known {
  email: string;
  id: number | null;
  name: string | null;
  attributes: string | null;
  status: ListStatus | null;
  reason: ListStatus | null;
}

/** What one input row does: the same decisions as the row-by-row upsert (subscribers.ts). */
interface Step {
  row: NewSubscriber;
  known: Known;
  attributes: string;
  /** The membership to insert or update, and log. */
  membership?: { status: ListStatus; insert: boolean };
  rename?: { name: string | null; attributes: string };
  outcome: keyof ImportOutcome;
}

/**
 * Imports `rows` into `list` inside the caller's transaction, a chunk of rows at a time: each chunk
 * is read in one query and written in a few set-based statements, so 100,000 rows take a few
 * hundred round trips instead of half a million. An address repeated in the input starts a new
 * chunk, so its second row sees what the first did.
 */
export async function importRows(
  client: pg.PoolClient,
  list: string,
  rows: readonly NewSubscriber[],
  source: string,
  at: string,
  outcome: ImportOutcome,
): Promise<void> {
  let chunk: NewSubscriber[] = [];
  const emails = new Set<string>();
  for (const row of rows) {
    if (chunk.length === CHUNK || emails.has(row.email)) {
      await importChunk(client, list, chunk, source, at, outcome);
      chunk = [];
      emails.clear();
    }
    chunk.push(row);
    emails.add(row.email);
  }
  if (chunk.length > 0) await importChunk(client, list, chunk, source, at, outcome);
}

async function importChunk(
  client: pg.PoolClient,
  list: string,
  rows: readonly NewSubscriber[],
  source: string,
  at: string,
  outcome: ImportOutcome,
): Promise<void> {
  const emails = rows.map((row) => row.email);
  // Locked in id order, as every importer does: two imports at once wait instead of deadlocking.
  await client.query(SQL.lock, [emails]);
  const known = new Map<string, Known>();
  for (const row of (await client.query(SQL.known, [emails, list])).rows as Known[])
    known.set(row.email, row);
  const steps = rows.map((row) => decide(row, known.get(row.email)!));
  const fresh = steps.filter((step) => step.known.id === null);
  const inserted = await client.query(SQL.insertSubscribers, [
    fresh.map((step) => step.row.email),
    fresh.map((step) => step.row.name ?? null),
    fresh.map((step) => step.attributes),
    at,
  ]);
  const ids = new Map((inserted.rows as { id: number; email: string }[]).map((row) => [row.email, row.id]));
  if (ids.size !== fresh.length)
    throw new Error('an address being imported was added by another change meanwhile; import again');
  for (const step of fresh) step.known.id = ids.get(step.row.email)!;
  const renamed = steps.filter((step) => step.rename);
  await client.query(SQL.updateSubscribers, [
    renamed.map((step) => step.known.id),
    renamed.map((step) => step.rename!.name),
    renamed.map((step) => step.rename!.attributes),
  ]);
  const changes = steps.filter((step) => step.membership);
  for (const insert of [true, false]) {
    const some = changes.filter((step) => step.membership!.insert === insert);
    const values = [
      some.map((step) => step.known.id),
      some.map((step) => step.membership!.status),
      list,
      at,
      source,
    ];
    await client.query(insert ? SQL.insertMemberships : SQL.updateMemberships, values);
  }
  // The consent log in input order, as one change at a time would have written it.
  const logged = [changes.map((step) => step.known.id), changes.map((step) => step.membership!.status)];
  await client.query(SQL.logMany, [...logged, list, at, source]);
  for (const step of steps) outcome[step.outcome]++;
}

function decide(row: NewSubscriber, known: Known): Step {
  const attributes = JSON.stringify(row.attributes ?? {});
  const initial = known.reason ?? 'subscribed';
  const addedOutcome = known.reason ? 'keptOut' : 'added';
  if (known.id === null)
    return { row, known, attributes, membership: { status: initial, insert: true }, outcome: addedOutcome };
  const step: Step = { row, known, attributes, outcome: 'unchanged' };
  if ((row.name ?? known.name) !== known.name || (row.attributes && attributes !== known.attributes)) {
    step.rename = {
      name: row.name ?? known.name,
      attributes: row.attributes ? attributes : known.attributes!,
    };
    step.outcome = 'updated';
  }
  if (known.status === null) {
    step.membership = { status: initial, insert: true };
    step.outcome = addedOutcome;
  } else if (KEPT_OUT.includes(known.status)) {
    step.outcome = 'keptOut';
  } else if (known.status !== 'subscribed') {
    step.membership = { status: 'subscribed', insert: false };
    step.outcome = 'updated';
  }
  return step;
}
