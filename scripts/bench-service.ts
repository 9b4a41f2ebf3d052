/**
 * The service half of `npm run bench`: `bulletin serve` in a process of its own, driven over
 * loopback by autocannon from this one at a fixed 500 requests a second: one-click unsubscribes
 * (RFC 8058 POSTs with valid signed links) and subscribe form posts (each a new address, so each
 * writes to the store and sends a confirmation into the outbox). Target: p99 under 50 ms, no 5xx.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { runPipeline } from '../src/build/pipeline.js';
import { signToken } from '../src/dispatch/tokens.js';
import { packageRoot } from '../src/support/package-root.js';
import { SqliteSubscriberStore } from '../src/store/sqlite/subscribers.js';

export interface EndpointBench {
  name: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  serverErrors: number;
}

const RATE = 500;
const SECONDS = 10;
const SECRET = 'bench-secret';
const PEOPLE = 10_000;

export async function benchService(): Promise<EndpointBench[]> {
  const root = mkdtempSync(join(tmpdir(), 'bulletin-bench-service-'));
  try {
    cpSync(join(packageRoot, 'bulletins'), join(root, 'bulletins'), { recursive: true });
    // The bench is one client address sending far more than a person would: limits up, so what is measured is
    // the work.
    writeFileSync(
      join(root, 'bulletin.config.yaml'),
      `${readFileSync(join(packageRoot, 'bulletin.config.yaml'), 'utf8')}\nservice:\n  limits:\n    subscribePerAddressPerHour: 1000000\n    badLinksPerAddressPerHour: 1000000\n`,
    );
    const dates = readdirSync(join(root, 'bulletins')).filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d));
    await runPipeline({ root, dates, write: true, site: true, cache: false });
    const store = new SqliteSubscriberStore(join(root, '.bulletin', 'bulletin.db'));
    const people = Array.from({ length: PEOPLE }, (_, i) => ({ email: `reader${i}@example.org` }));
    await store.importSubscribers('weekly', people, { source: 'bench' });
    await store.close();
    const issuedAt = Math.floor(Date.now() / 1000);
    const links = people.map(
      (p) =>
        `/unsubscribe?token=${signToken(SECRET, { purpose: 'unsubscribe', email: p.email, list: 'weekly', issuedAt })}`,
    );

    const server = spawn(
      process.execPath,
      [join(packageRoot, 'lib', 'src', 'cli', 'main.js'), 'serve', '--port', '0'],
      {
        cwd: root,
        env: { ...process.env, BULLETIN_SECRET: SECRET, BULLETIN_BASE_URL: 'http://127.0.0.1/' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    try {
      const origin = await new Promise<string>((resolve, reject) => {
        let said = '';
        server.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
          said += chunk;
          const match = /Serving at (http:\/\/[^\s/]+)/.exec(said);
          if (match) resolve(match[1]!);
        });
        server.once('exit', (code) => reject(new Error(`bulletin serve exited (${code}): ${said}`)));
      });
      let next = 0;
      const unsubscribe = await drive('one-click unsubscribe', origin, {
        method: 'POST',
        setupRequest: (request: Record<string, unknown>) => ({
          ...request,
          path: links[next++ % links.length],
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'List-Unsubscribe=One-Click',
        }),
      });
      let person = 0;
      const subscribe = await drive('subscribe (new address each time)', origin, {
        method: 'POST',
        setupRequest: (request: Record<string, unknown>) => ({
          ...request,
          path: '/subscribe',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `email=new${person++}%40example.org&name=New+Reader&lists=weekly`,
        }),
      });
      return [unsubscribe, subscribe];
    } finally {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function drive(name: string, origin: string, request: object): Promise<EndpointBench> {
  // Two seconds first, not measured: the server's code is compiled by then, as in a service that has been up
  // a while.
  await autocannon({
    url: origin,
    connections: 20,
    overallRate: RATE,
    duration: 2,
    requests: [request],
  } as autocannon.Options);
  const result = await autocannon({
    url: origin,
    connections: 20,
    overallRate: RATE,
    duration: SECONDS,
    requests: [request],
  } as autocannon.Options);
  const codes =
    (result as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {};
  const serverErrors = Object.entries(codes)
    .filter(([code]) => Number(code) >= 500)
    .reduce((sum, [, v]) => sum + Number(v.count), 0);
  return {
    name,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    serverErrors,
  };
}
