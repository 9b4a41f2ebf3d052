/**
 * The SQLite ledger's writer thread (see ledger-writer.ts): its own connection to the file, on
 * which each batch of ledger changes it is sent commits as one group commit. Its fsync waits here,
 * not on the send loop's event loop. Replies with each change's outcome, in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { commitTogether } from './group-commit.js';
import { type LedgerWrite, runLedgerWrite } from './ledger-writes.js';
import { openDatabase, statementCache } from './open.js';
import { type WriterReply, toWireError } from './ledger-writer-wire.js';

const port = parentPort!;
const db = openDatabase((workerData as { path: string }).path);
const sql = statementCache(db);

port.on('message', (message: { batch: LedgerWrite[] } | 'close') => {
  if (message === 'close') {
    db.close();
    port.close();
    return;
  }
  let reply: WriterReply;
  try {
    const outcomes = commitTogether(
      db,
      message.batch.map((write) => () => runLedgerWrite(sql, write)),
    );
    reply = {
      outcomes: outcomes.map((outcome) =>
        outcome.ok ? { ok: true, value: outcome.value } : { ok: false, error: toWireError(outcome.error) },
      ),
    };
  } catch (error) {
    reply = { failed: toWireError(error) };
  }
  port.postMessage(reply);
});
