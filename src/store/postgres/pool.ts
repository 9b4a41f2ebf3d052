import pg from 'pg';
import { SetupError } from '../../diagnostics/setup-error.js';
import { causeOf, isErrno } from '../../support/errors.js';

const WHERE = 'BULLETIN_DATABASE (or `database` in bulletin.config.yaml)';
const TIMESTAMPTZ = 1184;
const INT8 = 20;

/**
 * Values as the SQLite store returns them: times as ISO 8601 UTC strings with milliseconds, counts
 * and ids as numbers (they stay far below 2^53). Per pool, so no other user of `pg` is affected.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === TIMESTAMPTZ) {
      const parse = pg.types.getTypeParser(TIMESTAMPTZ, 'text');
      return (value: string) => (parse(value) as Date).toISOString();
    }
    if (oid === INT8) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format ?? 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** The URL as it may be shown: without its password. */
export function redactUrl(url: string): string {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (!parsed) return url.replace(/:[^:@/]*@/, ':***@');
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/**
 * A pool on `url`, checked by one connection first: a server that is not there, a wrong password
 * or a missing database is a SetupError naming the URL (without its password) and what to do.
 */
export async function openPool(url: string, max = 10): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: url, max, types, connectionTimeoutMillis: 10_000 });
  // An idle connection the server ends (a restart, an admin) is dropped by the pool; without a
  // listener the error would end the process.
  pool.on('error', () => undefined);
  // The same for a connection in use (a stream between two fetches): the error reaches its user as
  // the failure of the next query, instead of as an unhandled 'error' event that ends the process.
  pool.on('connect', (client) => client.on('error', () => undefined));
  try {
    const client = await pool.connect();
    client.release();
    return pool;
  } catch (error) {
    await pool.end();
    throw connectionFailure(url, error);
  }
}

/** PostgreSQL's SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html) we can explain. */
const BAD_LOGIN = ['28P01', '28000'];
const NO_DATABASE = '3D000';

export function connectionFailure(url: string, error: unknown): unknown {
  if (error instanceof SetupError) return error;
  const where = redactUrl(url);
  const code = (error as { code?: unknown }).code;
  const message = (error as { message?: unknown }).message;
  if (isErrno(error, 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ETIMEDOUT', 'ECONNRESET'))
    return new SetupError(
      `Cannot reach the PostgreSQL server of ${where} (${causeOf(error)}); start it, or correct the ` +
        `host and port in ${WHERE}.`,
      { cause: error },
    );
  if (typeof code === 'string' && BAD_LOGIN.includes(code))
    return new SetupError(
      `PostgreSQL refused the login to ${where} (${String(message)}); correct the user and password in ${WHERE}.`,
      { cause: error },
    );
  if (code === NO_DATABASE)
    return new SetupError(
      `The database of ${where} does not exist (${String(message)}); create it (\`createdb NAME\`) or ` +
        `correct its name in ${WHERE}.`,
      { cause: error },
    );
  if (typeof message === 'string' && /timeout|SASL|password/i.test(message))
    return new SetupError(
      `Cannot log in to the PostgreSQL server of ${where} (${message}); check the URL in ${WHERE}.`,
      { cause: error },
    );
  return error;
}

/**
 * Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it
 * throws (the error goes on to the caller).
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let result: T;
  try {
    await client.query('BEGIN');
    result = await work(client);
    await client.query('COMMIT');
  } catch (error) {
    client.release(await rollback(client));
    throw error;
  }
  client.release();
  return result;
}

/**
 * Rolls back; the error when even that failed (the connection is broken), so the caller releases
 * the connection with it and the pool discards it instead of handing it out again.
 */
async function rollback(client: pg.PoolClient): Promise<Error | undefined> {
  return client.query('ROLLBACK').then(
    () => undefined,
    (broken: Error) => broken,
  );
}

/**
 * Streams the rows of `text` in batches through a cursor, so 100,000 rows never sit in memory
 * at once. The connection is released when the caller stops reading too.
 */
export async function* streamRows<T>(
  pool: pg.Pool,
  text: string,
  values: readonly unknown[],
  batch = 1000,
): AsyncIterable<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`DECLARE rows NO SCROLL CURSOR FOR ${text}`, [...values]);
    for (;;) {
      const { rows } = await client.query(`FETCH ${batch} FROM rows`);
      for (const row of rows) yield row as T;
      if (rows.length < batch) break;
    }
  } finally {
    // Read-only: rolling back ends the cursor and the transaction alike.
    client.release(await rollback(client));
  }
}
