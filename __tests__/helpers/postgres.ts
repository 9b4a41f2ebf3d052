import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A real PostgreSQL for the tests: one throwaway cluster per test file (jest gives each file its own
 * module registry, so this module's state is the file's), started on first use on a free loopback
 * port, trust authentication, fsync left on (the crash tests are about durability), and stopped
 * when the file's tests end. Each caller gets a database of its own from `freshDatabase()`.
 */

const VERSIONS_DIR = '/usr/lib/postgresql';

/** Debian's server binaries (`apt-get install postgresql`), the newest version installed. */
export function postgresBin(): string | undefined {
  // POSTGRES_BIN picks another build (or, pointed at nothing, shows what a machine without one does).
  const chosen = process.env.POSTGRES_BIN;
  if (chosen) return existsSync(join(chosen, 'initdb')) ? chosen : undefined;
  if (!existsSync(VERSIONS_DIR)) return undefined;
  const versions = readdirSync(VERSIONS_DIR)
    .filter((name) => existsSync(join(VERSIONS_DIR, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(VERSIONS_DIR, versions[0], 'bin') : undefined;
}

/**
 * Whether the PostgreSQL tests can run. Without the server they skip loudly on a developer's
 * machine; under CI they fail, because CI must install it (see .ci/run).
 */
export function postgresAvailable(): boolean {
  if (postgresBin()) return true;
  if (process.env.CI)
    throw new Error(
      `CI is set but there is no ${VERSIONS_DIR}/*/bin/initdb: .ci/run must apt-get install postgresql.`,
    );
  console.warn(
    `\n*** SKIPPING POSTGRESQL TESTS: no ${VERSIONS_DIR}/*/bin/initdb. ` +
      'Install it with: apt-get install -y postgresql ***\n',
  );
  return false;
}

interface Cluster {
  dir: string;
  port: number;
  bin: string;
}

let starting: Promise<Cluster> | undefined;
let running: Cluster | undefined;
let databases = 0;
/** What the tests opened on the cluster, closed before it stops (a pool cut off by the stop would throw). */
const openedOnCluster: (() => Promise<void>)[] = [];

/** Closes `close` before the cluster stops, in case the test file's own afterAll runs after this one's. */
export function closeBeforeStop(close: () => Promise<void>): void {
  openedOnCluster.push(close);
}

/** A new, empty database on this file's cluster (started on first call); its URL. */
export async function freshDatabase(): Promise<string> {
  starting ??= startCluster();
  const cluster = await starting;
  const name = `t${process.pid}_${++databases}`;
  const admin = new pg.Client({ connectionString: urlOf(cluster, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return urlOf(cluster, name);
}

/** The cluster's URL for `database` (the role `bulletin`, trusted on loopback). */
function urlOf(cluster: Cluster, database: string): string {
  return `postgres://bulletin@127.0.0.1:${cluster.port}/${database}`;
}

/** PostgreSQL refuses to run as root: as root, each server command runs as the `postgres` user. */
function asServerUser(command: string, args: readonly string[]): void {
  const quoted = [command, ...args].map((arg) => `'${arg.replaceAll("'", `'\\''`)}'`).join(' ');
  if (process.getuid?.() === 0)
    execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', quoted], { stdio: 'pipe' });
  else execFileSync('/bin/sh', ['-c', quoted], { stdio: 'pipe' });
}

async function startCluster(): Promise<Cluster> {
  const bin = postgresBin();
  if (!bin) throw new Error('no PostgreSQL server installed (see postgresAvailable)');
  const dir = mkdtempSync(join(tmpdir(), 'bulletin-pg-'));
  if (process.getuid?.() === 0) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'])), -1);
  try {
    asServerUser(join(bin, 'initdb'), [
      '-D',
      join(dir, 'data'),
      '-A',
      'trust',
      '-U',
      'bulletin',
      '-E',
      'UTF8',
    ]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${stderrOf(error)}`, { cause: error });
  }
  // A free port can be taken between finding and binding it: try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200`;
      asServerUser(join(bin, 'pg_ctl'), [
        '-D',
        join(dir, 'data'),
        '-o',
        options,
        '-l',
        join(dir, 'log'),
        '-w',
        'start',
      ]);
      running = { dir, port, bin };
      return running;
    } catch (error) {
      if (attempt < 3) continue;
      const log = existsSync(join(dir, 'log')) ? readFileSync(join(dir, 'log'), 'utf8') : '';
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`pg_ctl start failed: ${stderrOf(error)}\n${log}`, { cause: error });
    }
  }
}

async function closeAndStop(): Promise<void> {
  const closers = openedOnCluster.splice(0);
  await Promise.allSettled(closers.map((close) => close()));
  stopCluster();
}

function stopCluster(): void {
  const cluster = running;
  running = undefined;
  starting = undefined;
  if (!cluster) return;
  try {
    asServerUser(join(cluster.bin, 'pg_ctl'), ['-D', join(cluster.dir, 'data'), '-m', 'fast', '-w', 'stop']);
  } finally {
    rmSync(cluster.dir, { recursive: true, force: true });
  }
}

function stderrOf(error: unknown): string {
  const stderr = (error as { stderr?: Buffer }).stderr;
  return stderr?.toString().trim() || String(error);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

// Stopped when the file's tests end; on exit too, should a run be cut short before afterAll.
if (typeof afterAll === 'function') afterAll(closeAndStop, 30_000);
process.once('exit', stopCluster);
