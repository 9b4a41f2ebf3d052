import { UsageError } from './exit.js';

/** `2000/24h`, `500/1h`, `100/30m`, `10/60s` -> a sliding-window cap. */
export function parseWindow(text: string): { messages: number; ms: number } {
  const match = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$/i.exec(text);
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
  const messages = Number(match?.[1]);
  const ms = Number(match?.[2]) * unit[(match?.[3] ?? 's').toLowerCase() as keyof typeof unit];
  if (!match || messages < 1 || !(ms > 0))
    throw new UsageError(
      `--window "${text}" is not a cap; write messages/duration, e.g. 2000/24h or 500/1h.`,
    );
  return { messages, ms };
}
