import { spawnBulletin, type CliResult } from './cli.js';

/** "YYYY-MM-DD HH:MM" in the site's time zone (Europe/London), `minutesAgo` before now. */
export function londonTime(minutesAgo: number): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/London',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(Date.now() - minutesAgo * 60_000))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

export interface RunningServe {
  /** Everything `serve` has said on stderr so far. */
  said(): string;
  /** Resolves once stderr matches `pattern` (already, or later). */
  until(pattern: RegExp, timeoutMs?: number): Promise<void>;
  stop(): Promise<CliResult>;
  /** Ends it with `signal` (SIGKILL: no chance to finish anything). */
  kill(signal: NodeJS.Signals): Promise<CliResult>;
}

const SERVING_AT = /Serving at (http:\/\/127\.0\.0\.1:\d+)\//;

/** The address a server listens on (`http://127.0.0.1:PORT`), once it says it is serving. */
export async function originOf(server: RunningServe, timeoutMs?: number): Promise<string> {
  await server.until(SERVING_AT, timeoutMs);
  return SERVING_AT.exec(server.said())![1]!;
}

/**
 * `bulletin serve` in its own process with the scheduler ticking every 100 ms, as a scheduled send sees it.
 */
export function startServe(root: string, env: Record<string, string> = {}): RunningServe {
  const server = spawnBulletin(['serve', '--port', '0'], root, {
    BULLETIN_SECRET: 'schedule-test',
    BULLETIN_SCHEDULER_MS: '100',
    ...env,
  });
  let said = '';
  const waiting = new Set<() => void>();
  server.child.stderr!.on('data', (chunk: Buffer) => {
    said += chunk.toString();
    for (const look of waiting) look();
  });
  return {
    said: () => said,
    until: (pattern, timeoutMs = 60_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(look);
          reject(new Error(`serve never said ${pattern}: ${said}`));
        }, timeoutMs);
        const look = () => {
          if (!pattern.test(said)) return;
          clearTimeout(timer);
          waiting.delete(look);
          resolve();
        };
        waiting.add(look);
        look();
      }),
    stop: () => {
      server.child.kill('SIGTERM');
      return server.done;
    },
    kill: (signal) => {
      server.child.kill(signal);
      return server.done;
    },
  };
}
