import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './helpers/cli.js';

/**
 * The compiled SQLite ledger commits in a writer thread of its own (ledger-writer.ts); the test
 * runner's own import of the sources commits in its thread, so this drives the compiled code (run
 * `npm run build` first), as `bulletin send` does.
 */
const compiled = join(repoRoot, 'lib', 'src', 'store', 'sqlite', 'ledger.js');
const threadFile = join(repoRoot, 'lib', 'src', 'store', 'sqlite', 'ledger-writer-thread.js');

type Ledger = import('../src/store/sqlite/ledger.js').SqliteSendLedger;

async function openCompiled(path: string): Promise<Ledger> {
  const module = (await import(
    pathToFileURL(compiled).href
  )) as typeof import('../src/store/sqlite/ledger.js');
  return new module.SqliteSendLedger(path);
}

async function* people(count: number) {
  for (let i = 0; i < count; i++) yield { email: `r${i}@example.org`, name: null };
}

describe('SQLite ledger, writer thread (compiled)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bulletin-ledger-thread-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('the compiled code has the writer thread', () => {
    expect(existsSync(threadFile)).toBe(true);
  });

  test('each change of a shared commit gets its own answer, and close() writes what is still queued', async () => {
    const path = join(dir, 'bulletin.db');
    const now = new Date('2026-03-01T09:00:00.000Z');
    const lease = new Date('2099-01-01T00:00:00.000Z');
    const ledger = await openCompiled(path);
    await ledger.enqueue('2026-03-01', 'weekly', people(3));
    await ledger.join('2026-03-01', 'weekly', { id: 'a', host: 'h', pid: 1 }, now, lease);
    // Same tick, same batch: the second join breaks the primary key, the claim beside it stands.
    const [again, claimed] = await Promise.allSettled([
      ledger.join('2026-03-01', 'weekly', { id: 'a', host: 'h', pid: 1 }, now, lease),
      ledger.claim('2026-03-01', 'weekly', 'a', 3, now),
    ]);
    expect(again).toMatchObject({ status: 'rejected', reason: { code: 'SQLITE_CONSTRAINT_PRIMARYKEY' } });
    expect(claimed.status === 'fulfilled' && claimed.value.map((row) => row.email)).toEqual([
      'r0@example.org',
      'r1@example.org',
      'r2@example.org',
    ]);
    expect(
      await Promise.all(
        ['r0', 'r1', 'r2'].map((r) => ledger.begin('2026-03-01', 'weekly', `${r}@example.org`, 'a')),
      ),
    ).toEqual([true, true, true]);
    // Not awaited: closing must still commit them.
    const finishes = ['r0', 'r1', 'r2'].map((r) =>
      ledger.finish('2026-03-01', 'weekly', `${r}@example.org`, 'a', 'sent', '250 ok'),
    );
    await ledger.close();
    await Promise.all(finishes);
    await expect(ledger.begin('2026-03-01', 'weekly', 'r0@example.org', 'a')).rejects.toThrow(/closed/);

    const reopened = await openCompiled(path);
    try {
      expect((await reopened.counts('2026-03-01', 'weekly')).weekly).toMatchObject({ sent: 3, claimed: 0 });
    } finally {
      await reopened.close();
    }
  });

  test('a process that closes the ledger ends with the exit code it sets', () => {
    const path = join(dir, 'bulletin.db');
    const script = `
      const { SqliteSendLedger } = await import(${JSON.stringify(pathToFileURL(compiled).href)});
      const ledger = new SqliteSendLedger(${JSON.stringify(path)});
      await ledger.heartbeat('nobody', new Date(), new Date());
      await ledger.close();
      process.exitCode = 3;
    `;
    const file = join(dir, 'close-then-exit.mjs');
    writeFileSync(file, script);
    const result = spawnSync(process.execPath, [file], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(3);
  });
});
