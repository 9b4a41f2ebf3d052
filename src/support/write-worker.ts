import { parentPort } from 'node:worker_threads';
import { applyFileWrite, type FileWrite } from './file-writes.js';
import { type WriteAnswer, writeFailure } from './write-thread.js';

/** The write thread (write-thread.ts): does each write it is posted, in order, and answers. */
parentPort!.on('message', ({ id, write }: { id: number; write: FileWrite }) => {
  let answer: WriteAnswer;
  try {
    answer = { id, written: applyFileWrite(write) };
  } catch (error) {
    answer = { id, failure: writeFailure(error) };
  }
  parentPort!.postMessage(answer);
});
