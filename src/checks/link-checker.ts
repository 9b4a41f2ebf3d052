import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import { dirname } from 'node:path';
import { z } from 'zod';
import { problemCodes, type ProblemCode } from '../diagnostics/codes.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { LinkTarget } from './link-targets.js';

export interface LinkCheckOptions {
  /** A JSON file of earlier outcomes, e.g. `.bulletin/cache/links.json`; none means every address is fetched. */
  cacheFile?: string;
  /** Requests in flight at once, over all hosts. */
  concurrency?: number;
  /** Requests in flight at once to one host: a bulletin often links one site many times, and that site owes us nothing. */
  perHost?: number;
  /** Per request (HEAD, then GET): until the answer's headers arrive. */
  timeoutMs?: number;
  /** How long an address that answered stays checked. */
  ttlMs?: number;
  /** How long a failure stays checked; see `freshFor`. */
  failureTtlMs?: number;
  fetch?: typeof fetch;
  userAgent?: string;
  now?: () => number;
}

export interface LinkCheckResult {
  /** One per place whose address is broken (an error) or could not be verified (a warning). */
  problems: Diagnostic[];
  /** Distinct addresses with an outcome this run, from the network or the cache. */
  checked: number;
  /** Of those, how many came from the cache. */
  fromCache: number;
}

const DEFAULTS = {
  concurrency: 8,
  perHost: 2,
  timeoutMs: 10_000,
  ttlMs: 24 * 60 * 60 * 1000,
  failureTtlMs: 5 * 60 * 1000,
  userAgent: 'Bulletin-link-check/0.1 (+https://github.com/; checks the links of an email newsletter before it is sent)',
};

/** What an address did when asked: facts, not verdicts, so cached outcomes stay right if the rules change. */
const outcomeSchema = z.discriminatedUnion('result', [
  z.object({ result: z.literal('answered'), status: z.number().int(), contentType: z.string().optional() }),
  z.object({ result: z.literal('timeout') }),
  z.object({ result: z.literal('failed'), code: z.string() }),
]);
type Outcome = z.infer<typeof outcomeSchema>;

const cacheSchema = z.object({ version: z.literal(1), entries: z.record(z.string(), z.object({ outcome: outcomeSchema, checkedAt: z.number() })) });
type CacheEntry = { outcome: Outcome; checkedAt: number };

/**
 * Fetches each distinct address of `targets` once (HEAD, then GET when HEAD is refused or fails)
 * and reports every place whose address is broken or could not be verified.
 */
export async function checkLinks(targets: readonly LinkTarget[], options: LinkCheckOptions = {}): Promise<LinkCheckResult> {
  const settings = { ...DEFAULTS, ...definedOnly(options), fetch: options.fetch ?? globalThis.fetch, now: options.now ?? Date.now };
  const keys = [...new Set(targets.map((t) => fetchKey(t.url)).filter((k) => k !== undefined))];
  const cache = settings.cacheFile ? await readCache(settings.cacheFile) : new Map<string, CacheEntry>();
  const outcomes = new Map<string, Outcome>();
  const live: string[] = [];
  for (const key of keys) {
    const entry = cache.get(key);
    if (entry && settings.now() - entry.checkedAt < freshFor(entry.outcome, settings)) outcomes.set(key, entry.outcome);
    else live.push(key);
  }

  const schedule = scheduler(settings.concurrency, settings.perHost);
  await Promise.all(
    live.map(async (key) => {
      const outcome = await schedule(key, () => probe(key, settings));
      outcomes.set(key, outcome);
      cache.set(key, { outcome, checkedAt: settings.now() });
    }),
  );
  if (settings.cacheFile && live.length > 0) await writeCache(settings.cacheFile, cache, settings);

  // "No such host" for every address at once says more about this computer's connection than about the links.
  const offline = live.length > 0 && live.every((key) => outcomes.get(key)?.result !== 'answered');
  const problems = targets.flatMap((t) => {
    const outcome = outcomes.get(fetchKey(t.url) ?? '');
    return outcome ? verdict(t, outcome, { offline, timeoutMs: settings.timeoutMs }) : [];
  });
  return { problems, checked: keys.length, fromCache: keys.length - live.length };
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The fragment never reaches the server: `page#a` and `page#b` are one fetch. */
function fetchKey(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
    parsed.hash = '';
    return parsed.href;
  } catch {
    return undefined;
  }
}

// ---- Fetching

type Settings = typeof DEFAULTS & { fetch: typeof fetch };

/** Failures about the host rather than the request: asking again with GET cannot change them. */
const HOST_FAILURE = /^(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|CERT_|ERR_TLS_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT|UNABLE_TO_)/;

/**
 * HEAD is cheap for both sides, but many servers refuse it (405, 403, 501) or answer it wrongly,
 * so anything but success is asked again with GET, whose answer is final.
 */
async function probe(url: string, settings: Settings): Promise<Outcome> {
  const head = await ask(url, 'HEAD', settings);
  if (isSuccess(head) || (head.result === 'failed' && HOST_FAILURE.test(head.code))) return head;
  return ask(url, 'GET', settings);
}

async function ask(url: string, method: 'HEAD' | 'GET', settings: Settings): Promise<Outcome> {
  try {
    const response = await settings.fetch(url, {
      method,
      // The final answer is what a subscriber gets; undici gives up after 20 hops (reported as a loop).
      redirect: 'follow',
      signal: AbortSignal.timeout(settings.timeoutMs),
      headers: { 'user-agent': settings.userAgent, accept: 'text/html,application/xhtml+xml,image/*;q=0.9,*/*;q=0.8' },
    });
    // Only the status and type matter: stop a GET before it downloads a whole PDF or video.
    await response.body?.cancel().catch(() => undefined);
    const contentType = response.headers.get('content-type') ?? undefined;
    return { result: 'answered', status: response.status, ...(contentType ? { contentType } : {}) };
  } catch (error) {
    return failure(error);
  }
}

function isSuccess(outcome: Outcome): boolean {
  return outcome.result === 'answered' && outcome.status >= 200 && outcome.status < 400;
}

/** undici reports "fetch failed" and puts the reason (a system error code) in `cause`, sometimes a level or an AggregateError down. */
function failure(error: unknown): Outcome {
  // By name, not instanceof: undici's DOMException may come from another realm (a test VM, a worker).
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return { result: 'timeout' };
  for (let reason: unknown = error, depth = 0; reason && depth < 4; depth++) {
    const { code, cause, errors, message } = reason as { code?: unknown; cause?: unknown; errors?: unknown[]; message?: unknown };
    if (typeof code === 'string' && code !== '') return { result: 'failed', code };
    if (typeof message === 'string' && /redirect count exceeded/i.test(message)) return { result: 'failed', code: 'TOO_MANY_REDIRECTS' };
    reason = cause ?? errors?.[0];
  }
  return { result: 'failed', code: 'UNKNOWN' };
}

/**
 * At most `concurrency` requests at once, and `perHost` to any one host. Written out rather than
 * p-limit because p-limit has no per-host cap, and two of these counters are a dozen lines.
 */
function scheduler(concurrency: number, perHost: number): <T>(url: string, task: () => Promise<T>) => Promise<T> {
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

// ---- Cache

/**
 * An answer stays true for a day. A failure is kept only minutes: long enough that checking again
 * straight away does not wait out every timeout or hit a struggling server again, short enough
 * that a site back up is seen soon. Connection failures (no such host, refused, bad certificate)
 * are not kept at all: they are quick to find again and often about this computer's own network.
 */
function freshFor(outcome: Outcome, settings: Pick<Settings, 'ttlMs' | 'failureTtlMs'>): number {
  if (isSuccess(outcome)) return settings.ttlMs;
  return outcome.result === 'failed' ? 0 : settings.failureTtlMs;
}

/** A missing, unreadable or corrupt cache is an empty one: it only ever saves time. */
async function readCache(file: string): Promise<Map<string, CacheEntry>> {
  try {
    const parsed = cacheSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return new Map(parsed.success ? Object.entries(parsed.data.entries) : []);
  } catch {
    return new Map();
  }
}

/** Written whole to a temporary file and renamed over the old one, so a reader never sees half a file. */
async function writeCache(file: string, cache: Map<string, CacheEntry>, settings: Settings & { now: () => number }): Promise<void> {
  const now = settings.now();
  const entries = Object.fromEntries([...cache].filter(([, e]) => now - e.checkedAt < freshFor(e.outcome, settings)));
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(temporary, `${JSON.stringify({ version: 1, entries }, null, 1)}\n`);
    await rename(temporary, file);
  } catch {
    // An unwritable cache costs the next run time, not correctness.
    await rm(temporary, { force: true }).catch(() => undefined);
  }
}

// ---- Verdicts

function verdict(target: LinkTarget, outcome: Outcome, context: { offline: boolean; timeoutMs: number }): Diagnostic[] {
  const what = target.kind === 'image' ? `The image at ${target.url}` : `The link to ${target.url}`;
  const broken = (message: string) => [
    report(target, 'link-broken', message, target.kind === 'image' ? 'Correct the address, or remove the image; subscribers would see a broken image.' : 'Correct the address, or remove the link; subscribers would land on an error page.'),
  ];
  const unverified = (reason: string, hint = 'Open it in a browser: if it works there, this can be ignored; if not, correct or remove it.') => [
    report(target, 'link-unverified', `${what} could not be verified: ${reason}.`, hint),
  ];

  if (outcome.result === 'timeout') return unverified(`no answer within ${context.timeoutMs / 1000} s`, 'Open it in a browser; the site may be slow or down. Check again later.');
  if (outcome.result === 'failed') {
    if (outcome.code !== 'ENOTFOUND') return unverified(connectionFailure(outcome.code));
    if (context.offline) return unverified('its host name could not be looked up, and no other address answered either', 'Check the internet connection of this computer, then check again.');
    return [report(target, 'link-broken', `${what} names the host ${hostOf(target.url)}, which does not exist.`, 'Correct the spelling of the address (the part after https://), or remove it.')];
  }
  const { status } = outcome;
  if (status === 404 || status === 410) return broken(`${what} answered ${statusLine(status)}.`);
  if (!isSuccess(outcome)) return unverified(`it answered ${statusLine(status)}`, statusHint(status));
  if (target.kind === 'image' && outcome.contentType && !isImageType(outcome.contentType)) {
    return [report(target, 'link-unverified', `${what} is not an image: it is served as ${outcome.contentType.split(';')[0]}.`, 'Use the address of the image file itself (open the image on its own and copy that address), not the page that shows it.')];
  }
  return [];
}

function report(target: LinkTarget, code: ProblemCode, message: string, hint: string): Diagnostic {
  return { code, severity: problemCodes[code], file: target.file, line: target.line, column: target.column, message, hint, ...(target.frame ? { frame: target.frame } : {}) };
}

function statusLine(status: number): string {
  return `${status} ${STATUS_CODES[status] ?? ''}`.trim();
}

function statusHint(status: number): string {
  if (status === 401 || status === 403) return 'The site refused an automatic check; it may need a login, or turn robots away. Open it in a browser, logged out: subscribers see what you see there.';
  if (status === 429) return 'The site asked for fewer requests; check again later.';
  if (status >= 500) return 'The site had an error of its own; open it in a browser, or check again later.';
  return 'Open it in a browser: if it works there, this can be ignored; if not, correct or remove it.';
}

function connectionFailure(code: string): string {
  if (code === 'ECONNREFUSED') return 'the server refused the connection';
  if (code === 'EAI_AGAIN') return 'its host name could not be looked up just now';
  if (code === 'TOO_MANY_REDIRECTS') return 'it redirects in a loop';
  if (/^(CERT_|ERR_TLS_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_)/.test(code)) return `its security certificate is not valid (${code})`;
  if (code === 'ECONNRESET' || code.startsWith('UND_ERR_SOCKET')) return 'the connection was dropped';
  return `the connection failed (${code})`;
}

/** Some servers send images as generic bytes; only a type that is clearly something else is reported. */
function isImageType(contentType: string): boolean {
  return /^\s*(image\/|application\/octet-stream|binary\/octet-stream)/i.test(contentType);
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}
