import { spawnBulletin, type CliResult } from './cli.js';

export interface RunningPreview {
  origin: string;
  /** Everything the command printed so far. */
  output(): string;
  stop(): Promise<CliResult>;
}

/** `bulletin preview` in its own process, as a writer starts it; resolves once it says where it is. */
export async function startPreview(
  root: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<RunningPreview> {
  const running = spawnBulletin(['preview', '--port', '0', ...args], root, env);
  let text = '';
  running.child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  running.child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`preview did not start: ${text}`)), 30_000);
    void running.done.then((result) => {
      clearTimeout(timer);
      reject(new Error(`preview stopped: ${result.stderr}`));
    });
    const look = () => {
      const match = /Previewing \S+ at (http:\/\/127\.0\.0\.1:\d+)\//.exec(text);
      if (!match) return;
      clearTimeout(timer);
      resolve(match[1]!);
    };
    running.child.stderr!.on('data', look);
    running.child.stdout!.on('data', look);
  });
  return {
    origin,
    output: () => text,
    stop: () => {
      running.child.kill('SIGTERM');
      return running.done;
    },
  };
}

export interface BuildState {
  version: number;
  stale: boolean;
  token: string;
  subject?: string;
  problems: {
    code: string;
    severity: string;
    file: string;
    line: number;
    column: number;
    message: string;
    frame?: string;
  }[];
  files: { file: string; title: string; errors: number; warnings: number }[];
  links: { state: string; checked?: number };
  release?: {
    approval: { ok: boolean; required: boolean; text: string };
    schedules: { list: string; at: string; state: string; detail: string | null }[];
  };
}

/** The studio's event stream, read as the page reads it: one build state per event. */
export async function buildEvents(origin: string): Promise<{
  next(predicate?: (s: BuildState) => boolean, timeoutMs?: number): Promise<BuildState>;
  close(): void;
}> {
  const controller = new AbortController();
  const response = await fetch(`${origin}/events`, { signal: controller.signal });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const queued: BuildState[] = [];
  const readOne = async (): Promise<BuildState> => {
    for (;;) {
      if (queued.length) return queued.shift()!;
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (event.startsWith('event: build\n'))
          queued.push(JSON.parse(event.slice(event.indexOf('data: ') + 6)) as BuildState);
        continue;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('the event stream ended');
      buffer += decoder.decode(value, { stream: true });
    }
  };
  return {
    async next(predicate = () => true, timeoutMs = 15_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>(
        (_, reject) =>
          (timer = setTimeout(() => reject(new Error('no matching build event in time')), timeoutMs)),
      );
      try {
        return await Promise.race([
          (async () => {
            for (;;) {
              const state = await readOne();
              if (predicate(state)) return state;
            }
          })(),
          timeout,
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => controller.abort(),
  };
}
