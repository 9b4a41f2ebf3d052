import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { applyFileWrite, type FileContent, type FileWrite } from './file-writes.js';

const WORKER_FILE = fileURLToPath(new URL('./write-worker.js', import.meta.url));

/** What the write thread posts back for each write: the paths written, or why it failed. */
export interface WriteAnswer {
  id: number;
  written?: string[];
  failure?: WriteFailure;
}

/** An error as plain data, with what callers read of a file system error (`code`, the paths). */
export interface WriteFailure {
  name: string;
  message: string;
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
  dest?: string;
}

/**
 * Does `write` and resolves with the paths written once it is done (or rejects with the error it
 * met): on this thread's write thread if it started one (`startWriteThread`), else here,
 * synchronously.
 */
export function fileWrite(write: FileWrite): Promise<string[]> {
  if (thread) return thread.run(write);
  try {
    // Handed over here too, so that a caller that reads its bytes again fails wherever it runs.
    return Promise.resolve(
      applyFileWrite(write.handOver ? structuredClone(write, { transfer: movable(write) }) : write),
    );
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * From now on, this thread's file writes (`fileWrite`) run on a thread of their own, with synchronous
 * calls, in the order they are asked for (so a folder one write makes is there for the next). For
 * the thread that makes a large build's emails and archive: with `fs/promises`, each of its
 * thousands of files took a round trip to libuv's pool per call (open, write, close, rename) and a
 * FileHandle, and about twice the CPU of the same synchronous calls (1,000 small files made and
 * renamed: 150-250 against 65-85 ms); made synchronously on that thread, they held it up instead.
 * A small build writes in its own thread: starting this one costs more than it saves there (~50 ms
 * of a build of the sample). Where the thread's code is not built (the tests run the TypeScript
 * sources), writes stay here.
 */
export function startWriteThread(): void {
  if (thread || !existsSync(WORKER_FILE)) return;
  thread = new WriteThread(WORKER_FILE, () => {
    thread = undefined;
  });
}

let thread: WriteThread | undefined;

/** A write as posted to the thread: its answer comes back under its id. */
export interface PostedWrite {
  id: number;
  write: FileWrite;
}

class WriteThread {
  private readonly worker: Worker;
  private readonly pending = new Map<
    number,
    { resolve: (written: string[]) => void; reject: (error: Error) => void }
  >();
  private nextId = 0;
  /** Writes asked for in this turn of the event loop, posted together on the next (`flush`). */
  private batch: { posted: PostedWrite; transfer: ArrayBuffer[] }[] = [];

  constructor(file: string, onGone: () => void) {
    // It holds one batch of writes' contents at a time: V8's default young generation (32 MB) only
    // made it grow, by ~15 MB of a cold `build --all`'s peak.
    this.worker = new Worker(file, {
      resourceLimits: { maxYoungGenerationSizeMb: 3, maxOldGenerationSizeMb: 128 },
    });
    this.worker.on('message', (answers: WriteAnswer[]) => {
      for (const { id, written = [], failure } of answers) {
        const waiting = this.pending.get(id);
        this.pending.delete(id);
        if (failure) waiting?.reject(asError(failure));
        else waiting?.resolve(written);
      }
      if (this.pending.size === 0) this.worker.unref();
    });
    const gone = (error: Error) => {
      onGone();
      for (const { reject } of this.pending.values()) reject(error);
      this.pending.clear();
    };
    this.worker.on('error', gone);
    this.worker.on('exit', (code) => gone(new Error(`the write thread stopped (exit code ${code})`)));
    // Idle, it keeps no thread alive; a write under way does (ref in `run`). After the listeners:
    // listening for messages refs a worker again.
    this.worker.unref();
  }

  /**
   * Queues `write` to be posted with the others of this turn. A handed-over write's bytes are moved
   * out of the caller's hands now (its views read as empty, as a post would leave them), into memory
   * of their own that the post then moves on.
   */
  run(write: FileWrite): Promise<string[]> {
    const id = this.nextId++;
    let queued: { posted: PostedWrite; transfer: ArrayBuffer[] };
    try {
      queued = write.handOver ? movedOut(id, write) : { posted: { id, write: copied(write) }, transfer: [] };
    } catch (error) {
      // Bytes that cannot be moved or copied: nothing will answer it.
      return Promise.reject(error);
    }
    if (this.pending.size === 0) this.worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.batch.length === 0) setImmediate(() => this.flush());
      this.batch.push(queued);
    });
  }

  /**
   * Posts the writes queued in this turn as one message: a build's thousands of writes each posted
   * alone cost the thread that makes the emails ~40 us a post, and the write thread as much to answer.
   */
  private flush(): void {
    const batch = this.batch;
    this.batch = [];
    try {
      this.worker.postMessage(
        batch.map(({ posted }) => posted),
        batch.flatMap(({ transfer }) => transfer),
      );
    } catch (error) {
      // Not posted (a DataCloneError: bytes handed over before): each alone, so that only a write
      // that cannot be posted fails, with the error its own post throws.
      if (batch.length === 1) this.notPosted(batch[0]!.posted, error);
      else for (const { posted, transfer } of batch) this.postAlone(posted, transfer);
    }
  }

  private postAlone(posted: PostedWrite, transfer: ArrayBuffer[]): void {
    try {
      this.worker.postMessage([posted], transfer);
    } catch (error) {
      this.notPosted(posted, error);
    }
  }

  /** Nothing will answer a write that was not posted: it fails with what its post threw. */
  private notPosted({ id }: PostedWrite, error: unknown): void {
    const waiting = this.pending.get(id);
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
    waiting?.reject(error as Error);
  }
}

/**
 * `write` with each byte content that `movable` lists moved into memory of its own (the caller's view
 * then reads as empty), and that memory, to move on with the post; a view into memory moved with
 * another's keeps its window. Any other content is posted as it is: a string, a pooled slice (copied),
 * bytes handed over before (whose post fails).
 */
function movedOut(id: number, write: FileWrite): { posted: PostedWrite; transfer: ArrayBuffer[] } {
  const files = write.kind === 'file' ? [write.file] : write.files;
  // Each view's window, read before the moves empty the views.
  const windows = files.map(({ content }) =>
    typeof content === 'string'
      ? undefined
      : { buffer: content.buffer, offset: content.byteOffset, length: content.byteLength },
  );
  const moved = new Map<ArrayBufferLike, ArrayBuffer>();
  for (const memory of movable(write)) moved.set(memory, structuredClone(memory, { transfer: [memory] }));
  const taken = files.map((file, i): FileContent => {
    const window = windows[i];
    const memory = window && moved.get(window.buffer);
    return memory ? { path: file.path, content: new Uint8Array(memory, window.offset, window.length) } : file;
  });
  const posted = write.kind === 'file' ? { ...write, file: taken[0]! } : { ...write, files: taken };
  return { posted: { id, write: posted }, transfer: [...moved.values()] };
}

/**
 * `write` with its byte contents copied now, as a post at once would have: they are posted with the
 * turn's other writes, and the caller may reuse its buffer meanwhile. (Strings cannot change.)
 */
function copied(write: FileWrite): FileWrite {
  const copy = (file: FileContent): FileContent =>
    typeof file.content === 'string' ? file : { path: file.path, content: new Uint8Array(file.content) };
  return write.kind === 'file'
    ? { ...write, file: copy(write.file) }
    : { ...write, files: write.files.map(copy) };
}

/**
 * The memory of a handed-over write's byte contents, where moving it moves nothing else: each of
 * them alone in its memory. Posted without this, a cold `build --all`'s cache entries and emails
 * (~100 MB) were each copied into the message and out of it again: 1,500 posts of 30 KB took the
 * posting thread 177-194 ms copied, 55-76 ms moved.
 */
function movable(write: FileWrite): ArrayBuffer[] {
  const contents = write.kind === 'file' ? [write.file.content] : write.files.map((file) => file.content);
  const memory = new Set<ArrayBuffer>();
  for (const content of contents) {
    // A Buffer from Node's shared pool is a slice of a larger block: copied, as it must be. Bytes
    // handed over before read as empty: listed, they would be dropped without a word; copied, their
    // post fails.
    if (
      typeof content !== 'string' &&
      content.byteLength > 0 &&
      content.buffer instanceof ArrayBuffer &&
      content.byteOffset === 0 &&
      content.byteLength === content.buffer.byteLength
    )
      memory.add(content.buffer);
  }
  return [...memory];
}

/** The error the write thread described, as a call here would have thrown it. */
function asError({ name, message, ...rest }: WriteFailure): Error {
  const error = new Error(message);
  error.name = name;
  for (const [key, value] of Object.entries(rest))
    if (value !== undefined) Object.assign(error, { [key]: value });
  return error;
}

/** `error` as plain data, to post from the write thread. */
export function writeFailure(error: unknown): WriteFailure {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const { code, errno, syscall, path, dest } = error as NodeJS.ErrnoException & { dest?: string };
  return { name: error.name, message: error.message, code, errno, syscall, path, dest };
}
