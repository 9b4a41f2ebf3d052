/** The messages between the server's thread and `service-worker.ts`. */
import { SetupError } from '../../diagnostics/setup-error.js';

export type ServiceStoreName = 'subscribers' | 'mailQueue' | 'rateLimits';

export interface Call {
  id: number;
  store: ServiceStoreName;
  method: string;
  args: unknown[];
}

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

export type Reply =
  | { ready: true }
  | { ready: false; error: SerializedError }
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: SerializedError };

/** An error as a message can carry it: structured cloning would drop `code` (SQLITE_BUSY, SQLITE_FULL). */
export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(error.stack ? { stack: error.stack } : {}),
  };
}

/** The error again on this side, of the class the callers test for where it matters (SetupError). */
export function deserializeError(serialized: SerializedError): Error {
  const error =
    serialized.name === 'SetupError' ? new SetupError(serialized.message) : new Error(serialized.message);
  if (serialized.name !== 'SetupError') error.name = serialized.name;
  if (serialized.code) (error as Error & { code?: string }).code = serialized.code;
  if (serialized.stack) error.stack = serialized.stack;
  return error;
}
