import { z } from 'zod';
import { PrivateAddressError, type LinkFetch, type LinkResponse } from './link-connect.js';

/** What an address did when asked: facts, not verdicts, so cached outcomes stay right if the rules change. */
export const outcomeSchema = z.discriminatedUnion('result', [
  z.object({ result: z.literal('answered'), status: z.number().int(), contentType: z.string().optional() }),
  z.object({ result: z.literal('timeout') }),
  z.object({ result: z.literal('failed'), code: z.string() }),
  // Not asked: the address (of the link, or of a hop it redirects to) is not a public one.
  z.object({ result: z.literal('private'), address: z.string(), redirectedTo: z.string().optional() }),
]);
export type Outcome = z.infer<typeof outcomeSchema>;

/** How to ask: the same for every request of one check. */
export interface Asking {
  /** One request, no redirect followed: `guardedFetch` of link-connect.ts, so that each hop is judged. */
  fetch: LinkFetch;
  /** Per request, until the answer's headers arrive. */
  timeoutMs: number;
  userAgent: string;
  /** The caller giving up: no request starts after it, and those in flight are dropped. */
  signal?: AbortSignal;
}

/** Failures about the host rather than the request: asking again with GET cannot change them. */
const HOST_FAILURE =
  /^(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENETDOWN|CERT_|ERR_TLS_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT|UNABLE_TO_)/;

/**
 * Failures where nothing at the other end was reached: what every address gives a computer with no
 * network (or no name server). A refusal or a bad certificate is not among them: something answered.
 */
const NOTHING_REACHED = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export function unreachable(outcome: Outcome): boolean {
  return outcome.result === 'timeout' || (outcome.result === 'failed' && NOTHING_REACHED.has(outcome.code));
}

export function isSuccess(outcome: Outcome): boolean {
  return outcome.result === 'answered' && outcome.status >= 200 && outcome.status < 400;
}

/**
 * HEAD is cheap for both sides, but many servers refuse it (405, 403, 501) or answer it wrongly,
 * so a refusal or an error is asked again with GET, whose answer is final. `undefined` when the
 * caller aborted: nothing was learned.
 */
export async function probe(url: string, asking: Asking): Promise<Outcome | undefined> {
  const head = await ask(url, 'HEAD', asking);
  if (head === undefined || isFinal(head)) return head;
  return ask(url, 'GET', asking);
}

/**
 * Silence is final too: a GET would wait out the whole timeout again, for a server that did not answer at
 * all.
 */
function isFinal(head: Outcome): boolean {
  if (head.result === 'failed') return HOST_FAILURE.test(head.code);
  // A private address is one for GET too: each request is judged the same way.
  return isSuccess(head) || head.result === 'timeout' || head.result === 'private';
}

/** Redirects followed before giving up, as browsers and undici do (reported as a loop). */
const MAX_REDIRECTS = 20;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * One request, its redirects followed by hand so that every hop goes through the guarded fetch
 * (each judged by the address it connects to). The final answer is what a subscriber gets.
 * `undefined` when the caller aborted before or during it.
 */
export async function ask(url: string, method: 'HEAD' | 'GET', asking: Asking): Promise<Outcome | undefined> {
  if (asking.signal?.aborted) return undefined;
  // One timeout for all the hops: the wait for an answer is the one the message names.
  const timeout = AbortSignal.timeout(asking.timeoutMs);
  const signal = asking.signal ? AbortSignal.any([timeout, asking.signal]) : timeout;
  let hop = url;
  try {
    for (let hops = 0; hops <= MAX_REDIRECTS; hops++) {
      const response = await asking.fetch(hop, {
        method,
        redirect: 'manual',
        signal,
        headers: {
          'user-agent': asking.userAgent,
          accept: 'text/html,application/xhtml+xml,image/*;q=0.9,*/*;q=0.8',
        },
      });
      // Only the status and type matter: stop a GET before it downloads a whole PDF or video.
      await response.body?.cancel().catch(() => undefined); // an unwanted body that already failed: fine
      const next = redirectTarget(hop, response);
      if (next === undefined) {
        const contentType = response.headers.get('content-type') ?? undefined;
        return { result: 'answered', status: response.status, ...(contentType ? { contentType } : {}) };
      }
      if (next === null) return { result: 'failed', code: 'REDIRECT_NOT_WEB' };
      hop = next;
    }
    return { result: 'failed', code: 'TOO_MANY_REDIRECTS' };
  } catch (error) {
    // Checked before the error: a dropped request says nothing about the address, and must not pass for a
    // timeout.
    if (asking.signal?.aborted) return undefined;
    const refused = privateAddress(error);
    if (refused)
      return { result: 'private', address: refused.address, ...(hop !== url ? { redirectedTo: hop } : {}) };
    return failure(error);
  }
}

/**
 * Where a redirect leads: `undefined` for an answer that is not one to follow, `null` for one that leaves the
 * web.
 */
function redirectTarget(from: string, response: LinkResponse): string | null | undefined {
  const location = response.headers.get('location');
  if (!REDIRECTS.has(response.status) || location === null) return undefined;
  let next: URL;
  try {
    next = new URL(location, from);
  } catch (error) {
    if (error instanceof TypeError) return undefined; // an unusable Location: the 3xx is the answer, as undici has it
    throw error;
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') return null;
  next.hash = '';
  return next.href;
}

/**
 * The guarded fetch's refusal: thrown by it, or for a host name by the connection's lookup, inside undici's
 * error.
 */
function privateAddress(error: unknown): PrivateAddressError | undefined {
  for (let reason: unknown = error, depth = 0; reason && depth < 4; depth++) {
    if (reason instanceof PrivateAddressError) return reason;
    const { cause, errors } = reason as { cause?: unknown; errors?: unknown[] };
    reason = cause ?? errors?.[0];
  }
  return undefined;
}

/**
 * undici reports "fetch failed" and puts the reason (a system error code) in `cause`, sometimes a level or an
 * AggregateError down.
 */
function failure(error: unknown): Outcome {
  // By name, not instanceof: undici's DOMException may come from another realm (a test VM, a worker).
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return { result: 'timeout' };
  for (let reason: unknown = error, depth = 0; reason && depth < 4; depth++) {
    const { code, cause, errors } = reason as { code?: unknown; cause?: unknown; errors?: unknown[] };
    if (typeof code === 'string' && code !== '') return { result: 'failed', code };
    reason = cause ?? errors?.[0];
  }
  return { result: 'failed', code: 'UNKNOWN' };
}

/**
 * At most `concurrency` requests at once, and `perHost` to any one host. Written out rather than
 * p-limit because p-limit has no per-host cap, and two of these counters are a dozen lines.
 */
export function scheduler(
  concurrency: number,
  perHost: number,
): <T>(url: string, task: () => Promise<T>) => Promise<T> {
  const all = limiter(concurrency);
  const hosts = new Map<string, ReturnType<typeof limiter>>();
  return (url, task) => {
    const host = new URL(url).host;
    const forHost = hosts.get(host) ?? limiter(perHost);
    hosts.set(host, forHost);
    // The host's slot first: a request waiting for a busy host must not hold one of the shared slots.
    return forHost(() => all(task));
  };
}

/** No abort handling of its own: after an abort every task returns at once, so the queue drains by itself. */
function limiter(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (active < Math.max(1, max)) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter, so none can be overtaken by a newcomer.
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}
