/**
 * `bulletin serve`'s checkpointer (off-loop-checkpoint.ts): on a connection of its own, copies the
 * WAL's committed pages into the database when asked (PASSIVE: it waits for no reader or writer,
 * so the server's commits go on meanwhile) and answers how many frames the WAL held.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './open.js';

const port = parentPort!;
const db = openDatabase((workerData as { path: string }).path);

port.on('message', (message: 'checkpoint' | 'close') => {
  if (message === 'close') {
    db.close();
    port.close();
    return;
  }
  const [result] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[];
  port.postMessage({ frames: result?.log ?? 0, copied: result?.checkpointed ?? 0 });
});
