/**
 * `npm run bench`: the numbers the foundation promises, measured side by side in one run.
 *  1. Per-recipient fill (the cheap Handlebars pass) against running the whole layout and MJML per
 *     recipient, as a ratio. Target: at least 500x, and under 20 µs per recipient.
 *  2. A cold `bulletin build` of one issue in a fresh process. Target: median under 1.5 s.
 *  3. The archive of 520 issues (`--issues=N`) against Eleventy + Pagefind: issue 15's table, cold and
 *     warm builds with peak RSS, and one edit incremental (bench-archive.ts); `-- --archive` alone.
 * `npm run bench -- --quick` skips 3 and 4; `-- --dispatch` skips 3.
 *  4. Sending 20,000 messages against raw nodemailer (bench-dispatch.ts).
 *  5. The subscription service under load (bench-service.ts); `-- --service` alone.
 *  6. A save in `bulletin preview` until Chromium shows it (bench-preview.ts); `-- --preview` alone.
 *  7. One send on PostgreSQL (one worker, two workers) vs SQLite vs raw nodemailer (bench-store.ts);
 *     `-- --store` alone (print-store-bench.ts).
 *  8. A cold `bulletin check --all` of the 520-issue corpus (bench-check.ts); `-- --check [--issues=N]` alone.
 * Shared, noisy machines: every figure is a median of several runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/content/config.js';
import { loadIssue } from '../src/content/load-issue.js';
import { compileEmail, type Recipient } from '../src/render/email/compile.js';
import { BUILTIN_TEMPLATES, loadEmailTemplates } from '../src/render/email/templates.js';
import { loadRendererFor, renderIssueContent } from '../src/render/render-issue.js';
import { packageRoot } from '../src/support/package-root.js';
import { benchArchive, median, printArchiveBench } from './bench-archive.js';
import { benchDispatch, CONNECTIONS } from './bench-dispatch.js';
import { benchService, SERVICE_TARGET_P99_MS } from './bench-service.js';
import { benchPreview, printPreviewBench } from './bench-preview.js';
import { printStoreBench, printStoreHeading, printStoreRound } from './print-store-bench.js';
import { benchStore } from './bench-store.js';
import { benchCheck, printCheckBench } from './bench-check.js';
import { NODE_FLAGS } from '../src/cli/node-flags.js';

const DATE = '2018-05-11';

/** A `--name=N` argument, or undefined. */
function option(name: string): number | undefined {
  return (
    Number(process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3)) || undefined
  );
}

function recipient(i: number): Recipient {
  return {
    email: `subscriber${i}@example.org`,
    name: i % 3 ? `Subscriber ${i}` : undefined,
    unsubscribeUrl: `https://bulletin.wyhpartnership.example/unsubscribe/${i.toString(36)}.${'x'.repeat(43)}`,
    preferencesUrl: `https://bulletin.wyhpartnership.example/preferences/${i.toString(36)}.${'y'.repeat(43)}`,
  };
}

async function benchFill(): Promise<{ fillUs: number; fillFlatUs: number; mjmlUs: number; bytes: number }> {
  const { config } = await loadConfig(packageRoot);
  if (!config) throw new Error('the sample config does not load');
  const loaded = await loadIssue(packageRoot, DATE, config);
  if (!loaded.issue) throw new Error(`the sample issue ${DATE} does not load`);
  const templates = await loadEmailTemplates(BUILTIN_TEMPLATES);
  await loadRendererFor(loaded.issue);
  const rendered = renderIssueContent(loaded.issue, config);
  const email = await compileEmail(rendered, config, templates);

  // Per-recipient fill: batches of 2,000 recipients, median µs per recipient over 15 batches.
  const batch = 2000;
  let sink = 0;
  for (let i = 0; i < batch; i++) sink += email.fillHtml(recipient(i)).length; // warm-up
  const fill: number[] = [];
  const fillFlat: number[] = [];
  for (let run = 0; run < 15; run++) {
    let start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) sink += email.fillHtml(recipient(run * batch + i)).length;
    fill.push(Number(process.hrtime.bigint() - start) / 1000 / batch);
    // The same, also turning the result into the bytes a transport would send.
    start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) sink += Buffer.byteLength(email.fillHtml(recipient(run * batch + i)));
    fillFlat.push(Number(process.hrtime.bigint() - start) / 1000 / batch);
  }

  // The naive way: lay out and run MJML for every recipient (then fill, as a naive system would render).
  // Plain MJML: a naive system has no memory of the blocks it laid out for the previous recipient.
  const plain = { memoized: false };
  await compileEmail(rendered, config, templates, plain); // warm-up
  const naive: number[] = [];
  for (let run = 0; run < 11; run++) {
    const start = process.hrtime.bigint();
    const perRecipient = await compileEmail(
      renderIssueContent(loaded.issue, config),
      config,
      templates,
      plain,
    );
    sink += perRecipient.fillHtml(recipient(run)).length;
    naive.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  if (sink === 0) throw new Error('unreachable');
  return {
    fillUs: median(fill),
    fillFlatUs: median(fillFlat),
    mjmlUs: median(naive),
    bytes: Buffer.byteLength(email.fillHtml(recipient(1))),
  };
}

function benchColdBuild(): number[] {
  const out = mkdtempSync(join(tmpdir(), 'bulletin-bench-'));
  const cli = join(packageRoot, 'lib', 'src', 'cli', 'main.js');
  const times: number[] = [];
  try {
    for (let run = 0; run < 7; run++) {
      const start = process.hrtime.bigint();
      const result = spawnSync(
        process.execPath,
        [...NODE_FLAGS, cli, 'build', DATE, '--no-site', '--out', out],
        {
          cwd: packageRoot,
          encoding: 'utf8',
        },
      );
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
      if (result.status !== 0) throw new Error(`bulletin build failed: ${result.stderr}`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return times;
}

async function main(): Promise<void> {
  const fill = await benchFill();
  const cold = benchColdBuild();
  const ratio = fill.mjmlUs / fill.fillUs;
  const rows = [
    ['per-recipient fill (median µs/recipient)', fill.fillUs.toFixed(2), '< 20', fill.fillUs < 20],
    ['  fill + materialize bytes (µs/recipient)', fill.fillFlatUs.toFixed(2), '', true],
    ['layout + MJML per recipient (median µs)', fill.mjmlUs.toFixed(0), '', true],
    ['ratio MJML-per-recipient / fill', `${ratio.toFixed(0)}x`, '>= 500x', ratio >= 500],
    [
      'cold `bulletin build --no-site` one issue (ms)',
      median(cold).toFixed(0),
      '< 1500',
      median(cold) < 1500,
    ],
  ] as const;
  console.log(
    `Bulletin bench: issue ${DATE}, HTML ${(fill.bytes / 1024).toFixed(1)} KB per message, node ${process.version}`,
  );
  for (const [name, value, target, ok] of rows)
    console.log(
      `${name.padEnd(46)} ${value.padStart(9)}  ${target.padEnd(8)} ${target ? (ok ? 'ok' : 'MISSED') : ''}`,
    );
  console.log(`cold build runs (ms): ${cold.map((t) => t.toFixed(0)).join(', ')}`);
  if (process.argv.includes('--quick')) return;
  // `-- --dispatch`, `-- --service`, `-- --archive` or `-- --preview` runs that part alone (after the quick
  // one).
  const only = ['--dispatch', '--service', '--archive', '--preview', '--store', '--check'].find((flag) =>
    process.argv.includes(flag),
  );
  const runs = (part: string) => !only || only === `--${part}`;

  if (runs('dispatch')) await dispatchPart();
  if (runs('service')) await servicePart();
  if (runs('store')) await storePart();
  if (runs('check')) await checkPart();
  if (runs('preview')) {
    const preview = await benchPreview();
    if (preview) printPreviewBench(preview);
  }
  if (!runs('archive')) return;

  // `-- --archive --issues=104 --runs=3`: a smaller corpus or fewer runs on a busy machine.
  printArchiveBench(await benchArchive(option('issues') ?? 520, option('runs') ?? 3));
}

async function dispatchPart(): Promise<void> {
  // `-- --dispatch --rounds=5`: more rounds on a busy machine (a median of an odd count).
  const dispatch = await benchDispatch(20_000, 100_000, option('rounds') ?? 3);
  console.log(
    `\nDispatch: ${dispatch.messages} messages to a loopback SMTP server, ${dispatch.storeSubscribers} subscribers in the store, ${CONNECTIONS} connections; each side in its own process, alternating`,
  );
  console.log(
    `${'round'.padEnd(8)}${'raw msgs/s'.padStart(12)}${'ours msgs/s'.padStart(13)}${'ratio'.padStart(8)}${'raw CPU ms/msg'.padStart(16)}${'ours CPU ms/msg'.padStart(17)}${'ours RSS start/peak/end MB'.padStart(28)}`,
  );
  dispatch.rounds.forEach(({ raw, ours }, i) => {
    const rss = `${ours.rssStartMb.toFixed(0)}/${ours.rssPeakMb.toFixed(0)}/${ours.rssEndMb.toFixed(0)}`;
    console.log(
      `${String(i + 1).padEnd(8)}${raw.perSecond.toFixed(0).padStart(12)}${ours.perSecond.toFixed(0).padStart(13)}${(ours.perSecond / raw.perSecond).toFixed(2).padStart(8)}${raw.cpuMsPerMessage.toFixed(2).padStart(16)}${ours.cpuMsPerMessage.toFixed(2).padStart(17)}${rss.padStart(28)}`,
    );
  });
  const ratio2 = median(dispatch.rounds.map(({ raw, ours }) => ours.perSecond / raw.perSecond));
  const cpuRatio = median(dispatch.rounds.map(({ raw, ours }) => raw.cpuMsPerMessage / ours.cpuMsPerMessage));
  const peakRss = Math.max(...dispatch.rounds.map(({ ours }) => ours.rssPeakMb));
  console.log(
    `${'throughput ratio to raw nodemailer (median)'.padEnd(46)} ${ratio2.toFixed(2).padStart(9)}  >= 0.95   ${ratio2 >= 0.95 ? 'ok' : 'MISSED'}`,
  );
  console.log(
    `${'  CPU-per-message ratio, raw / ours (median)'.padEnd(46)} ${cpuRatio.toFixed(2).padStart(9)}`,
  );
  console.log(
    `${'peak RSS while sending (MB)'.padEnd(46)} ${peakRss.toFixed(0).padStart(9)}  < 250    ${peakRss < 250 ? 'ok' : 'MISSED'}`,
  );
  console.log(
    `${'  whole process, building the email too (MB)'.padEnd(46)} ${Math.max(
      ...dispatch.rounds.map(({ ours }) => ours.maxRssMb),
    )
      .toFixed(0)
      .padStart(9)}`,
  );
}

/** `-- --store --rounds=2 --messages=5000`: a shorter run on a busy machine (each round is four sends). */
async function storePart(): Promise<void> {
  const messages = option('messages') ?? 10_000;
  const subscribers = 100_000;
  printStoreHeading(messages, subscribers);
  printStoreBench(await benchStore(messages, subscribers, option('rounds') ?? 3, printStoreRound));
}

/** `-- --check --issues=120`: a smaller corpus on a busy machine. */
async function checkPart(): Promise<void> {
  const issues = Number(process.argv.find((arg) => arg.startsWith('--issues='))?.slice('--issues='.length));
  printCheckBench(await benchCheck(issues || 520), median);
}

async function servicePart(): Promise<void> {
  const runs = option('runs') ?? 3;
  const service = await benchService(runs);
  console.log(
    `\nService: \`bulletin serve\` in its own process, autocannon from this one over loopback, 500 requests/s for 10 s, 20 connections; ${runs} runs, a fresh server each`,
  );
  console.log(
    `${'run side endpoint'.padEnd(46)} ${'req/s'.padStart(6)}  client p50/p99 ms  server p50/p99 ms  CPU ms/req server/client  event loop waiting for a core ms/s`,
  );
  service.forEach((run, i) => {
    for (const endpoint of run) {
      const ok =
        endpoint.p99Ms < SERVICE_TARGET_P99_MS && endpoint.serverErrors === 0 && endpoint.errors === 0;
      const client = `${endpoint.p50Ms}/${endpoint.p99Ms}`;
      const server = `${endpoint.serverP50Ms}/${endpoint.serverP99Ms}`;
      const cpu = `${endpoint.serverCpuMsPerRequest.toFixed(2)}/${endpoint.clientCpuMsPerRequest.toFixed(2)}`;
      const columns = [
        `${i + 1} ${endpoint.side.padEnd(5)}${endpoint.name}`.padEnd(46),
        endpoint.requestsPerSecond.toFixed(0).padStart(6),
        client.padStart(17),
        server.padStart(17),
        cpu.padStart(28),
        endpoint.serverWaitMsPerSecond.toFixed(0).padStart(34),
      ];
      const notes = [
        `client stall ${endpoint.clientStallMs.toFixed(0)} ms`,
        `5xx ${endpoint.serverErrors}`,
        ...(endpoint.mailBacklogMs === undefined ? [] : [`mail sent ${endpoint.mailBacklogMs} ms after`]),
        `other non-2xx ${endpoint.non2xx - endpoint.serverErrors}`,
        `errors ${endpoint.errors}`,
        `${ok ? 'ok' : 'MISSED'} (p99 < ${SERVICE_TARGET_P99_MS})`,
      ];
      console.log(`${columns[0]} ${columns.slice(1).join('  ')}  ${notes.join('  ')}`);
    }
  });
}

await main();
