/**
 * The preview half of `npm run bench`: how long a save takes to show. `bulletin preview` runs in a
 * process of its own, the studio page in Debian's Chromium; each round rewrites an item's title on
 * disk and times (a) until the page's event stream carries the new build, (b) until the email frame
 * shows the new title. Side by side, what the writer would do without the preview: a cold
 * `bulletin build DATE --no-site`. Target: (b) under 100 ms, median (issue 15).
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { packageRoot } from '../src/support/package-root.js';
import { median } from './bench-archive.js';
import { NODE_FLAGS } from '../src/cli/node-flags.js';

const DATE = '2018-05-25';
const ROUNDS = 15;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface PreviewBench {
  rounds: number;
  eventMs: number[];
  shownMs: number[];
  /** The rebuild itself, as the preview timed it: the rest of "event" is the watcher and the delivery. */
  buildMs: number[];
  coldBuildMs: number[];
}

export async function benchPreview(): Promise<PreviewBench | undefined> {
  if (!existsSync(CHROMIUM)) {
    console.log(`\nPreview: skipped, no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
    return undefined;
  }
  const root = mkdtempSync(join(tmpdir(), 'bulletin-bench-preview-'));
  const cli = join(packageRoot, 'lib', 'src', 'cli', 'main.js');
  cpSync(join(packageRoot, 'bulletin.config.yaml'), join(root, 'bulletin.config.yaml'));
  cpSync(join(packageRoot, 'bulletins', DATE), join(root, 'bulletins', DATE), { recursive: true });
  const item = join(root, 'bulletins', DATE, '03-carers-week.md');
  const original = readFileSync(item, 'utf8');
  const child = spawn(
    process.execPath,
    [...NODE_FLAGS, cli, '--root', root, 'preview', DATE, '--port', '0', '--offline'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
    ],
  });
  try {
    const origin = await new Promise<string>((resolve, reject) => {
      let text = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const match = /at (http:\/\/127\.0\.0\.1:\d+)\//.exec(text);
        if (match) resolve(match[1]!);
      });
      child.once('exit', () => reject(new Error(`preview stopped: ${text}`)));
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${origin}/`);
    await page.waitForSelector('body[data-shown-version]');
    // The page stamps each build it receives; the frame's heading is what a person sees.
    // And the build's own time, as the preview measured it (from its start to its last step).
    await page.evaluate(() => {
      const source = new EventSource('/events');
      source.addEventListener('build', (event) => {
        const seen = window as unknown as { lastEventAt: number; lastBuildMs: number };
        seen.lastEventAt = performance.now() + performance.timeOrigin;
        seen.lastBuildMs = (JSON.parse(event.data) as { ms: number }).ms;
      });
    });
    const eventMs: number[] = [];
    const shownMs: number[] = [];
    const buildMs: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const title = `Carers Week round ${round}`;
      const saved = Date.now();
      writeFileSync(item, original.replace('title: Carers Week', `title: ${title}`));
      // Looked for in the page at every animation frame, and timed there: a locator's wait polls at
      // growing intervals (up to 500 ms), coarser than what is measured.
      const shownAt = await page.waitForFunction(
        (wanted) => {
          const frame = document.getElementById('frame') as HTMLIFrameElement | null;
          const headings = frame?.contentDocument?.querySelectorAll('h1, h2, h3, h4') ?? [];
          const found = [...headings].some((h) => h.textContent?.trim() === wanted);
          return found ? performance.timeOrigin + performance.now() : false;
        },
        title,
        { polling: 'raf', timeout: 10_000 },
      );
      shownMs.push(Number(await shownAt.jsonValue()) - saved);
      const seen = await page.evaluate(() => {
        const { lastEventAt, lastBuildMs } = window as unknown as {
          lastEventAt: number;
          lastBuildMs: number;
        };
        return { lastEventAt, lastBuildMs };
      });
      eventMs.push(seen.lastEventAt - saved);
      buildMs.push(seen.lastBuildMs);
      await page.waitForTimeout(150);
    }
    const coldBuildMs: number[] = [];
    for (let run = 0; run < 5; run++) {
      const started = performance.now();
      spawnSync(process.execPath, [...NODE_FLAGS, cli, '--root', root, 'build', DATE, '--no-site'], {
        stdio: 'ignore',
      });
      coldBuildMs.push(performance.now() - started);
    }
    return { rounds: ROUNDS, eventMs, shownMs, buildMs, coldBuildMs };
  } finally {
    await browser.close();
    child.kill('SIGTERM');
    rmSync(root, { recursive: true, force: true });
  }
}

export function printPreviewBench(bench: PreviewBench): void {
  const shown = median(bench.shownMs);
  const event = median(bench.eventMs);
  const cold = median(bench.coldBuildMs);
  // The studio's own part, per round: from the build reaching the page to the frame showing it. Less
  // swayed by the machine's load than the whole, which includes the build.
  const frame = median(bench.shownMs.map((ms, i) => ms - bench.eventMs[i]!));
  console.log(
    `\nPreview: a title edited on disk ${bench.rounds} times, the studio open in Chromium (medians)`,
  );
  const rows = [
    ['save -> build event in the page (ms)', event.toFixed(0), '', true],
    ['  of which the rebuild itself (ms)', median(bench.buildMs).toFixed(0), '', true],
    ['save -> new title shown in the email (ms)', shown.toFixed(0), '< 100', shown < 100],
    ['  of which build event -> shown in the frame (ms)', frame.toFixed(0), '', true],
    ['cold `bulletin build DATE --no-site` (ms)', cold.toFixed(0), '', true],
    ['  ratio preview update / cold build', `${(shown / cold).toFixed(2)}x`, '', true],
  ] as const;
  for (const [name, value, target, ok] of rows)
    console.log(
      `${name.padEnd(46)} ${value.padStart(9)}  ${target.padEnd(8)} ${target ? (ok ? 'ok' : 'MISSED') : ''}`,
    );
  console.log(
    `runs (ms): shown ${bench.shownMs.map((t) => t.toFixed(0)).join(', ')}; event ${bench.eventMs.map((t) => t.toFixed(0)).join(', ')}; rebuild ${bench.buildMs.join(', ')}; cold build ${bench.coldBuildMs.map((t) => t.toFixed(0)).join(', ')}`,
  );
}
