import {
  type Cluster,
  createDatabase,
  postgresBin,
  startCluster,
  stopCluster,
  VERSIONS_DIR,
} from '../../scripts/postgres-cluster.js';

/**
 * A real PostgreSQL for the tests: one throwaway cluster per test file (jest gives each file its own
 * module registry, so this module's state is the file's), started on first use on a free loopback
 * port, trust authentication, fsync left on (the crash tests are about durability), and stopped
 * when the file's tests end. Each caller gets a database of its own from `freshDatabase()`. The
 * cluster itself is started and stopped by scripts/postgres-cluster.ts, which the store bench shares.
 */

export { postgresBin };

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

let starting: Promise<Cluster> | undefined;
let settings: Record<string, string> = {};
let running: Cluster | undefined;
let databases = 0;
/** What the tests opened on the cluster, closed before it stops (a pool cut off by the stop would throw). */
const openedOnCluster: (() => Promise<void>)[] = [];

/** Closes `close` before the cluster stops, in case the test file's own afterAll runs after this one's. */
export function closeBeforeStop(close: () => Promise<void>): void {
  openedOnCluster.push(close);
}

/**
 * Server settings for this file's cluster (`-c name=value`): called before its first database, as
 * the cluster starts with them.
 */
export function clusterSettings(chosen: Record<string, string>): void {
  if (starting) throw new Error('clusterSettings comes before the first freshDatabase()');
  settings = chosen;
}

/** A new, empty database on this file's cluster (started on first call); its URL. */
export async function freshDatabase(): Promise<string> {
  starting ??= startCluster(settings).then((cluster) => (running = cluster));
  const cluster = await starting;
  return createDatabase(cluster, `t${process.pid}_${++databases}`);
}

async function closeAndStop(): Promise<void> {
  const closers = openedOnCluster.splice(0);
  await Promise.allSettled(closers.map((close) => close()));
  stopRunning();
}

function stopRunning(): void {
  const cluster = running;
  running = undefined;
  starting = undefined;
  if (cluster) stopCluster(cluster);
}

// Stopped when the file's tests end; on exit too, should a run be cut short before afterAll.
if (typeof afterAll === 'function') afterAll(closeAndStop, 30_000);
process.once('exit', stopRunning);
