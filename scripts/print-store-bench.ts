/** Prints the store bench (bench-store.ts): each round side by side, then medians, ratios and targets. */
import { median } from './bench-archive.js';
import { CONNECTIONS } from './bench-dispatch.js';
import { STORE_SIDES, type StoreBench, type StoreRun, type StoreSide } from './bench-store.js';

const CORES = 2;

function line(name: string, value: string, target = '', ok = true): void {
  console.log(
    `${name.padEnd(52)} ${value.padStart(9)}  ${target.padEnd(8)} ${target ? (ok ? 'ok' : 'MISSED') : ''}`,
  );
}

const fixed = (value: number | undefined, digits = 2) => (value === undefined ? '-' : value.toFixed(digits));

/** CPU ms per message of every process of a run: its workers, the SMTP sink and PostgreSQL. */
function totalCpu(run: StoreRun): number {
  const workers = run.workers.reduce((sum, worker) => sum + worker.cpuMsPerMessage * worker.sent, 0);
  const messages = run.workers.reduce((sum, worker) => sum + worker.sent, 0);
  return workers / messages + (run.sinkCpuMsPerMessage ?? 0) + (run.postgresCpuMsPerMessage ?? 0);
}

/** The heading and column names, printed before the first round. */
export function printStoreHeading(messages: number, storeSubscribers: number): void {
  console.log(
    `\nStore: ${messages} messages to a loopback SMTP server, ${storeSubscribers} subscribers in the store, ` +
      `${CONNECTIONS} connections per worker; PostgreSQL ${'a throwaway local cluster'} (fsync, synchronous_commit on); ` +
      'each worker its own process, the four sides alternating',
  );
  console.log(
    `${'round'.padEnd(6)}${'side'.padEnd(13)}${'msgs/s'.padStart(8)}${'to raw'.padStart(8)}` +
      `${'worker CPU ms/msg'.padStart(19)}${'sink'.padStart(7)}${'PG'.padStart(7)}${'all'.padStart(7)}` +
      `${'worker RSS peak MB'.padStart(20)}`,
  );
}

/** One round's four sides, as it ends. */
export function printStoreRound(round: Record<StoreSide, StoreRun>, i: number): void {
  for (const side of STORE_SIDES) {
    const run = round[side];
    const workers = run.workers.map((worker) => worker.cpuMsPerMessage.toFixed(2)).join(' + ');
    const rss = run.workers.map((worker) => worker.rssPeakMb.toFixed(0)).join(' / ');
    console.log(
      `${String(i + 1).padEnd(6)}${side.padEnd(13)}${run.perSecond.toFixed(0).padStart(8)}` +
        `${(run.perSecond / round.raw.perSecond).toFixed(2).padStart(8)}${workers.padStart(19)}` +
        `${fixed(run.sinkCpuMsPerMessage).padStart(7)}` +
        `${(side.startsWith('postgres') ? fixed(run.postgresCpuMsPerMessage) : '-').padStart(7)}` +
        `${totalCpu(run).toFixed(2).padStart(7)}${rss.padStart(20)}`,
    );
  }
}

/** Medians, ratios and targets over the rounds (printed by printStoreRound as they ended). */
export function printStoreBench(bench: StoreBench | { skipped: string }): void {
  if ('skipped' in bench) {
    console.log(`\nStore: SKIPPED, ${bench.skipped}`);
    return;
  }
  const ratio = (of: (typeof STORE_SIDES)[number], to: (typeof STORE_SIDES)[number]) =>
    median(bench.rounds.map((round) => round[of].perSecond / round[to].perSecond));
  const pgToRaw = ratio('postgres', 'raw');
  line('PostgreSQL, one worker / raw nodemailer (median)', pgToRaw.toFixed(2), '>= 0.80', pgToRaw >= 0.8);
  line('SQLite, one worker / raw nodemailer (median)', ratio('sqlite', 'raw').toFixed(2));
  line('PostgreSQL / SQLite, one worker each (median)', ratio('postgres', 'sqlite').toFixed(2));
  line('PostgreSQL, two workers / one worker (median)', ratio('postgres x2', 'postgres').toFixed(2));
  for (const side of STORE_SIDES) {
    const perSecond = median(bench.rounds.map((round) => round[side].perSecond));
    const cpu = median(bench.rounds.map((round) => totalCpu(round[side])));
    // What the two cores could do if nothing else ran: every process's CPU for one message.
    line(
      `  ${side}: msgs/s, CPU ms/msg of all, ${CORES}-core ceiling`,
      `${perSecond.toFixed(0)}, ${cpu.toFixed(2)}, ${((CORES * 1000) / cpu).toFixed(0)}`,
    );
  }
  const highest = bench.rounds
    .flatMap((round) => STORE_SIDES.slice(1).flatMap((side) => round[side].workers))
    .reduce((a, b) => (b.rssPeakMb > a.rssPeakMb ? b : a));
  const peak = highest.rssPeakMb;
  line('peak RSS per worker while sending (MB)', peak.toFixed(0), '< 200', peak < 200);
  const parts = highest.rssPeakParts;
  console.log(
    `  at that peak (MB): heap ${parts.heapUsed.toFixed(0)} used of ${parts.heapTotal.toFixed(0)}, ` +
      `external ${parts.external.toFixed(0)}, the rest (native, other threads) ${parts.rest.toFixed(0)}`,
  );
}
