/** What a failed SMTP attempt means for the message. */
export type Outcome = 'permanent' | 'transient' | 'unknown';

/**
 * How an SMTP error is treated: a 5xx reply is final (recorded, the address marked bounced); a
 * 4xx reply, or failing to connect at all, is worth retrying. A connection that broke or timed out
 * mid-conversation is different: nodemailer cannot say whether the message data had gone out
 * (it reports such a drop as "CONN" even after DATA), so its outcome is unknown, and such a
 * message is never resent by itself: it may well have arrived (Ghost's rule, per message).
 */
export function classify(error: unknown): Outcome {
  const e = error as { responseCode?: number; command?: string; code?: string; message?: string };
  if (typeof e.responseCode === 'number') return e.responseCode >= 500 ? 'permanent' : 'transient';
  const text = `${e.code ?? ''} ${e.message ?? ''}`;
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EDNS|greeting/i.test(text))
    return 'transient';
  if (/^DATA/i.test(e.command ?? '') || /closed unexpectedly|ETIMEDOUT|ECONNRESET|EPIPE|timeout/i.test(text))
    return 'unknown';
  return 'transient';
}

/** One line for the ledger and the terminal: the server's reply if there was one, else the error. */
export function describe(error: unknown): string {
  const e = error as { responseCode?: number; response?: string; code?: string; message?: string };
  return (e.response ?? `${e.code ?? 'error'}: ${e.message ?? String(error)}`)
    .replace(/\s+/g, ' ')
    .slice(0, 300);
}
