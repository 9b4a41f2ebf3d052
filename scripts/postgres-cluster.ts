/**
 * A throwaway PostgreSQL cluster on a free loopback port, for the tests (__tests__/helpers/postgres.ts)
 * and the store bench (bench-store.ts): `initdb` with trust authentication, `pg_ctl start`, and
 * `pg_ctl stop` plus removal at the end. fsync stays on: the crash tests and the bench are about
 * durable commits. PostgreSQL refuses to run as root, so as root each server command runs as the
 * `postgres` user that Debian's package creates.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';

export const VERSIONS_DIR = '/usr/lib/postgresql';

export interface Cluster {
  dir: string;
  port: number;
  bin: string;
}

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

/** The cluster's URL for `database` (the role `bulletin`, trusted on loopback). */
export function clusterUrl(cluster: Cluster, database: string): string {
  return `postgres://bulletin@127.0.0.1:${cluster.port}/${database}`;
}

/** Creates the empty database `name` (a plain identifier) on the cluster; its URL. */
export async function createDatabase(cluster: Cluster, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: clusterUrl(cluster, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return clusterUrl(cluster, name);
}

/** The server's main process id (the first line of postmaster.pid), for reading its CPU time. */
export function postmasterPid(cluster: Cluster): number {
  return Number(readFileSync(join(cluster.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
}

function asServerUser(command: string, args: readonly string[]): void {
  const quoted = [command, ...args].map((arg) => `'${arg.replaceAll("'", `'\\''`)}'`).join(' ');
  if (process.getuid?.() === 0)
    execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', quoted], { stdio: 'pipe' });
  else execFileSync('/bin/sh', ['-c', quoted], { stdio: 'pipe' });
}

/**
 * `settings` are server settings for this cluster (`-c name=value`), e.g. a test that counts the
 * planning of statements loads pg_stat_statements.
 */
export async function startCluster(settings: Readonly<Record<string, string>> = {}): Promise<Cluster> {
  const bin = postgresBin();
  if (!bin) throw new Error('no PostgreSQL server installed (see postgresBin)');
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
      const extra = Object.entries(settings).map(([name, value]) => ` -c ${name}=${value}`);
      const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200${extra.join('')}`;
      const data = join(dir, 'data');
      asServerUser(join(bin, 'pg_ctl'), ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']);
      return { dir, port, bin };
    } catch (error) {
      if (attempt < 3) continue;
      const log = existsSync(join(dir, 'log')) ? readFileSync(join(dir, 'log'), 'utf8') : '';
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`pg_ctl start failed: ${stderrOf(error)}\n${log}`, { cause: error });
    }
  }
}

/** Stops the server (fast: open sessions are ended) and removes its files. */
export function stopCluster(cluster: Cluster): void {
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
