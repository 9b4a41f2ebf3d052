import { parentPort } from 'node:worker_threads';
import { applyFileWrite } from './file-writes.js';
import { type PostedWrite, type WriteAnswer, writeFailure } from './write-thread.js';

/** The write thread (write-thread.ts): does each write it is posted, in order, and answers them together. */
parentPort!.on('message', (writes: PostedWrite[]) => {
  const answers = writes.map(({ id, write }): WriteAnswer => {
    try {
      return { id, written: applyFileWrite(write) };
    } catch (error) {
      return { id, failure: writeFailure(error) };
    }
  });
  parentPort!.postMessage(answers);
});
