/** What the ledger's writer thread sends back, and errors as they cross between threads. */

/** An error as plain data: a thread boundary keeps an Error's message but not its `code`. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

export type WireOutcome = { ok: true; value: unknown } | { ok: false; error: WireError };

/** Each change's outcome in order, or the failure of the whole commit (none of the batch is on disk). */
export type WriterReply = { outcomes: WireOutcome[] } | { failed: WireError };

export function toWireError(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(error.stack ? { stack: error.stack } : {}),
  };
}

export function fromWireError(wire: WireError): Error {
  const error = new Error(wire.message) as Error & { code?: string };
  error.name = wire.name;
  if (wire.code) error.code = wire.code;
  if (wire.stack) error.stack = wire.stack;
  return error;
}
