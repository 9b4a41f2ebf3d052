import type Database from 'better-sqlite3';
import type { Delivery, DeliveryOutcome, WorkerIdentity } from '../../dispatch/ledger.js';
import { Pacer } from '../../dispatch/pacer.js';
import { LEDGER_SQL } from './ledger-sql.js';

/**
 * Every change the SQLite ledger commits, as plain functions of a connection's statements and of
 * arguments that can cross to a worker thread (strings and numbers: times as ISO 8601 or ms). The
 * same code runs in the ledger's writer thread (ledger-writer-thread.ts) and, where there is none
 * (an in-memory database, the test runner), in the calling thread.
 */
export type Statements = (text: string) => Database.Statement;

type ClaimableRow = Omit<Delivery, 'subscriberId' | 'subscribedAt'> & {
  subscriberId: number | null;
  subscribedAt: string | null;
};

const INTERRUPTED = 'the sending process stopped during this message';
/** Grants are kept at least this long, whatever window the caller has: another send may have a longer one. */
const KEEP_SLOTS_MS = 7 * 86_400_000;

export const LEDGER_WRITES = {
  join(sql: Statements, issue: string, list: string, worker: WorkerIdentity, at: string, leaseUntil: string) {
    sql(LEDGER_SQL.join).run(worker.id, issue, list, worker.host, worker.pid, at, at, leaseUntil);
  },

  heartbeat(sql: Statements, workerId: string, at: string, leaseUntil: string) {
    sql(LEDGER_SQL.heartbeat).run(at, leaseUntil, workerId);
  },

  expire(sql: Statements, workerId: string, at: string) {
    sql(LEDGER_SQL.expire).run(at, workerId, at);
  },

  leave(sql: Statements, workerId: string, at: string) {
    sql(LEDGER_SQL.releaseOwn).run(at, workerId, workerId, workerId);
    sql(LEDGER_SQL.stopWorker).run(at, at, workerId);
  },

  recoverExpired(sql: Statements, issue: string, list: string, at: string) {
    return {
      released: sql(LEDGER_SQL.releaseOrphans).run(at, issue, list, at).changes,
      unknown: sql(LEDGER_SQL.orphansUnknown).run(INTERRUPTED, at, issue, list, at).changes,
    };
  },

  claim(
    sql: Statements,
    issue: string,
    list: string,
    workerId: string,
    limit: number,
    at: string,
  ): Delivery[] {
    const rows = sql(LEDGER_SQL.claimable).all(issue, list, at, limit) as ClaimableRow[];
    // The state guard keeps a row from being taken twice, even if the lock were not held.
    const mark = sql(LEDGER_SQL.claim);
    return rows
      .filter((row) => mark.run(workerId, at, issue, list, row.email).changes === 1)
      .map(({ subscriberId, subscribedAt, ...row }) => ({
        ...row,
        attempts: row.attempts + 1,
        ...(subscriberId === null ? {} : { subscriberId }),
        ...(subscribedAt === null ? {} : { subscribedAt }),
      }));
  },

  begin(sql: Statements, issue: string, list: string, email: string, workerId: string, at: string) {
    return sql(LEDGER_SQL.begin).run(at, issue, list, email, workerId).changes === 1;
  },

  finish(
    sql: Statements,
    issue: string,
    list: string,
    email: string,
    workerId: string,
    state: DeliveryOutcome,
    detail: string | null,
    at: string,
  ) {
    sql(LEDGER_SQL.finish).run(state, detail, at, issue, list, email, workerId);
  },

  retryLater(
    sql: Statements,
    issue: string,
    list: string,
    email: string,
    workerId: string,
    detail: string,
    notBefore: string,
    at: string,
  ) {
    sql(LEDGER_SQL.retryLater).run(detail, notBefore, at, issue, list, email, workerId);
  },

  /** The slots as ms since the epoch (a Date would not survive the way back from the writer thread as one). */
  reserveSlots(
    sql: Statements,
    account: string,
    count: number,
    nowMs: number,
    gapMs: number,
    window: { messages: number; ms: number } | null,
  ): number[] {
    const pacing = sql(LEDGER_SQL.pacing).get(account) as { next_at: string } | undefined;
    const history = window
      ? (
          sql(LEDGER_SQL.recentSlots).all(
            account,
            new Date(nowMs - window.ms).toISOString(),
            window.messages,
          ) as { at: string }[]
        )
          .map((row) => Date.parse(row.at))
          .reverse()
      : [];
    const pacer = new Pacer({
      gapMs,
      ...(window ? { window, history } : {}),
      ...(pacing ? { nextSlot: Date.parse(pacing.next_at) } : {}),
      now: () => nowMs,
    });
    const slots = Array.from({ length: count }, () => nowMs + pacer.reserve());
    sql(LEDGER_SQL.setPacing).run(account, new Date(pacer.next).toISOString());
    const add = sql(LEDGER_SQL.addSlot);
    for (const slot of slots) add.run(account, new Date(slot).toISOString());
    const keep = Math.max(KEEP_SLOTS_MS, window?.ms ?? 0);
    sql(LEDGER_SQL.purgeSlots).run(account, new Date(nowMs - keep).toISOString());
    return slots;
  },

  requeueUnknown(sql: Statements, issue: string, list: string, at: string) {
    return sql(LEDGER_SQL.requeueUnknown).run(at, issue, list).changes;
  },
} as const;

export type LedgerWrites = typeof LEDGER_WRITES;
export type LedgerWriteName = keyof LedgerWrites;
/** The arguments of a write after the statements, which each thread supplies itself. */
export type LedgerWriteArgs<Name extends LedgerWriteName> =
  Parameters<LedgerWrites[Name]> extends [Statements, ...infer Rest] ? Rest : never;
export type LedgerWriteResult<Name extends LedgerWriteName> = ReturnType<LedgerWrites[Name]>;

/** One queued write, as it crosses to the writer thread. */
export interface LedgerWrite {
  name: LedgerWriteName;
  args: unknown[];
}

/** Runs one write on a connection's statements (in whichever thread holds them). */
export function runLedgerWrite(sql: Statements, write: LedgerWrite): unknown {
  const run = LEDGER_WRITES[write.name] as (sql: Statements, ...args: unknown[]) => unknown;
  return run(sql, ...write.args);
}
