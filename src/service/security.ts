import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The headers every answer carries. Written out rather than taken from helmet: six fixed values
 * chosen for this site (pagefind needs WebAssembly; the links in mail carry tokens, so no page
 * may leak its address in a Referer), where helmet's defaults would need overriding one by one.
 */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: https:; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
};

export function addSecurityHeaders(_request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  reply.headers(SECURITY_HEADERS);
  done();
}

/** A URL fit for a log line: the values of `token` (and anything that looks like one) replaced. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|t)=)[^&#]*/gi, '$1[redacted]');
}

function isClickLink(url: string): boolean {
  return url.startsWith('/r/');
}

/** Text fit for a log line: tokens and email addresses replaced. */
export function redactText(text: string): string {
  return redactUrl(text).replace(/[^\s<>()"',;:@]+@[^\s<>()"',;:]+/g, '[address]');
}

/**
 * What the structured log keeps of a request, a reply and an error: never a token, a body (it
 * holds addresses) or a stack trace.
 */
export const logSerializers = {
  req: (request: { method: string; url: string; ip?: string; socket?: { remoteAddress?: string } }) => ({
    method: request.method,
    url: redactUrl(request.url),
    // A followed link (`/r/`) is logged without its client: the log must not say who read what.
    ...(isClickLink(request.url) ? {} : { remoteAddress: request.ip ?? request.socket?.remoteAddress }),
  }),
  res: (reply: { statusCode: number }) => ({ statusCode: reply.statusCode }),
  err: (error: Error & { code?: string; statusCode?: number }) => ({
    type: error.name,
    message: redactText(error.message),
    ...(error.code ? { code: error.code } : {}),
    ...(error.statusCode ? { statusCode: error.statusCode } : {}),
  }),
};
