import type { BounceEvent } from '../../src/bounces/report.js';
import type { Stores } from '../../src/store/stores.js';

export const SOFT_POLICY = { softLimit: 3, softDays: 30 };
const T0 = Date.parse('2018-05-11T09:00:00.000Z');

/** The i-th reader of a list: the address its ledger rows and bounce events share. */
export const readerOf = (list: string, i: number) => `${list}${String(i).padStart(4, '0')}@example.org`;

/** `count` ledger rows `sent` to `list`, as a worker's send leaves them, through the stores. */
export async function sentLedger(stores: Stores, issue: string, list: string, count: number): Promise<void> {
  const { ledger } = stores;
  async function* everyone() {
    for (let i = 0; i < count; i++) yield { email: readerOf(list, i), name: null };
  }
  await ledger.enqueue(issue, list, everyone());
  const worker = `host-a:${issue}:${list}`;
  await ledger.join(
    issue,
    list,
    { id: worker, host: 'host-a', pid: 1 },
    new Date(T0),
    new Date(T0 + 3_600_000),
  );
  for (;;) {
    const batch = await ledger.claim(issue, list, worker, 500, new Date(T0));
    if (batch.length === 0) return;
    await Promise.all(batch.map((row) => ledger.begin(issue, list, row.email, worker)));
    await Promise.all(batch.map((row) => ledger.finish(issue, list, row.email, worker, 'sent', '250 ok')));
  }
}

/** `count` events of one verdict, each its own report, about readers `from`.. of the list, recorded by the store. */
export async function hearBounces(
  stores: Stores,
  issue: string,
  list: string,
  verdict: BounceEvent['verdict'],
  from: number,
  count: number,
): Promise<void> {
  for (let i = from; i < from + count; i++) {
    const event = {
      source: 'imap',
      sourceId: `<${verdict}-${issue}-${list}-${i}@mx.example.net>`,
      address: readerOf(list, i),
      verdict,
      issue,
      list,
      at: new Date(T0 + 60_000 * i).toISOString(),
    };
    await stores.bounces.record(event, SOFT_POLICY);
  }
}
