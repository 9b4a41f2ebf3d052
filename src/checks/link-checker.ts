import { STATUS_CODES } from 'node:http';
import { catalogueEntry, type ProblemParams } from '../diagnostics/catalogue.js';
import { problemCodes } from '../diagnostics/codes.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { codeFrameOf } from '../diagnostics/source-text.js';
import { isFresh, readCache, saveCache, type Cache } from './link-cache.js';
import { guardedFetch, type LinkFetch } from './link-connect.js';
import { ask, isSuccess, probe, scheduler, unreachable, type Outcome } from './link-fetch.js';
import type { LinkTarget } from './link-targets.js';
import { parseUrl } from '../support/errors.js';

export interface LinkCheckOptions {
  /**
   * A JSON file of earlier outcomes, e.g. `.bulletin/cache/links.json`; none means every address is fetched.
   */
  cacheFile?: string;
  /** Requests in flight at once, over all hosts. */
  concurrency?: number;
  /**
   * Requests in flight at once to one host: a bulletin often links one site many times, and that site owes us
   * nothing.
   */
  perHost?: number;
  /**
   * Per request (HEAD, then GET): until the answer's headers arrive. A HEAD with no answer is not asked
   * again.
   */
  timeoutMs?: number;
  /** How long an address that answered stays checked. */
  ttlMs?: number;
  /** How long a failure stays checked; see `freshFor` in link-cache.ts. */
  failureTtlMs?: number;
  /**
   * Stops the check: no request starts after it, requests in flight are dropped, and `checkLinks`
   * resolves (never rejects) with what was found so far and `aborted: true`. Dropped requests are
   * not judged and not cached.
   */
  signal?: AbortSignal;
  /**
   * Whether links to this computer, private networks and other non-public addresses are asked
   * for. Off by default: they are reported as not checked, so content cannot make the checker
   * reach inside the network it runs in.
   */
  allowPrivateAddresses?: boolean;
  /**
   * One request, no redirect followed; `guardedFetch` (which decides by address) unless a test gives its own.
   */
  fetch?: LinkFetch;
  userAgent?: string;
  now?: () => number;
}

export interface LinkCheckResult {
  /** One per place whose address is broken (an error) or could not be verified (a warning). */
  problems: Diagnostic[];
  /** Distinct addresses with an outcome this run, from the network or the cache. */
  checked: number;
  /**
   * Distinct addresses not asked because they are private (each reported as `link-private`); not among
   * `checked`.
   */
  notAsked: number;
  /** Of those, how many came from the cache. */
  fromCache: number;
  /**
   * The signal stopped the check before every address had an outcome: `problems` covers only those that had.
   */
  aborted: boolean;
}

const DEFAULTS = {
  concurrency: 8,
  perHost: 2,
  timeoutMs: 10_000,
  ttlMs: 24 * 60 * 60 * 1000,
  failureTtlMs: 5 * 60 * 1000,
  userAgent:
    'Bulletin-link-check/0.1 (+https://github.com/; checks the links of an email newsletter before it is sent)',
};

type Settings = typeof DEFAULTS & {
  fetch: LinkFetch;
  now: () => number;
  cacheFile?: string;
  signal?: AbortSignal;
};
type Schedule = ReturnType<typeof scheduler>;

/**
 * Fetches each distinct address of `targets` once (HEAD, then GET when HEAD is refused or errs;
 * no answer at all is final) and reports every place whose address is broken or could not be
 * verified. With `signal`, resolves early (never rejects) with `aborted: true`; see the option.
 */
export async function checkLinks(
  targets: readonly LinkTarget[],
  options: LinkCheckOptions = {},
): Promise<LinkCheckResult> {
  const fetch = options.fetch ?? guardedFetch(options.allowPrivateAddresses ? { allows: () => true } : {});
  const settings: Settings = { ...DEFAULTS, ...definedOnly(options), fetch, now: options.now ?? Date.now };
  const keys = [...new Set(targets.map((t) => fetchKey(t.url)).filter((k) => k !== undefined))];
  const cache: Cache = settings.cacheFile ? await readCache(settings.cacheFile) : new Map();
  const outcomes = new Map<string, Outcome>();
  const live: string[] = [];
  for (const key of keys) {
    const entry = cache.get(key);
    if (entry && isFresh(entry, settings.now(), settings)) outcomes.set(key, entry.outcome);
    else live.push(key);
  }

  const schedule = scheduler(settings.concurrency, settings.perHost);
  const learned = await fetchAll(live, schedule, settings);
  for (const [key, { outcome }] of learned) outcomes.set(key, outcome);
  if (settings.cacheFile && learned.size > 0)
    await saveCache(settings.cacheFile, learned, settings, settings.now);

  const offline = await seemsOffline(
    [...learned.values()].map((e) => e.outcome),
    answeredRecently(keys, cache, settings),
    schedule,
    settings,
  );
  const problems = targets.flatMap((t) => {
    const outcome = outcomes.get(fetchKey(t.url) ?? '');
    return outcome ? verdict(t, outcome, { offline, timeoutMs: settings.timeoutMs }) : [];
  });
  const notAsked = [...outcomes.values()].filter((outcome) => outcome.result === 'private').length;
  return {
    problems,
    checked: outcomes.size - notAsked,
    notAsked,
    fromCache: keys.length - live.length,
    aborted: outcomes.size < keys.length,
  };
}

/**
 * What the network said about each address; an address whose request was aborted is left out, so it is
 * neither judged nor cached.
 */
async function fetchAll(live: readonly string[], schedule: Schedule, settings: Settings): Promise<Cache> {
  const learned: Cache = new Map();
  await Promise.all(
    live.map(async (key) => {
      const outcome = await schedule(key, () => probe(key, settings));
      if (outcome) learned.set(key, { outcome, checkedAt: settings.now() });
    }),
  );
  return learned;
}

/**
 * "No such host" for every address at once says more about this computer's connection than about
 * the links. But when the only addresses asked are new ones (the rest came from the cache), one
 * misspelled host would look the same; so an address that answered recently is asked again (HEAD),
 * and only if it is silent too is the computer taken to be offline.
 */
async function seemsOffline(
  outcomes: readonly Outcome[],
  witness: string | undefined,
  schedule: Schedule,
  settings: Settings,
): Promise<boolean> {
  // An address not asked for (a private one) says nothing about the network.
  const fetched = outcomes.filter((outcome) => outcome.result !== 'private');
  if (fetched.length === 0 || !fetched.every(unreachable)) return false;
  if (witness === undefined) return true;
  const answer = await schedule(witness, () => ask(witness, 'HEAD', settings));
  // Aborted: not knowing, say the milder thing (a warning, not a broken link).
  return answer === undefined || unreachable(answer);
}

/**
 * An address that answered within its time to live, this bulletin's own first, then any other in the cache.
 */
function answeredRecently(keys: readonly string[], cache: Cache, settings: Settings): string | undefined {
  const now = settings.now();
  const answered = (url: string) => {
    const entry = cache.get(url);
    // The cache is a file anyone can edit: only a real web address is asked.
    return (
      entry !== undefined &&
      isSuccess(entry.outcome) &&
      isFresh(entry, now, settings) &&
      fetchKey(url) === url
    );
  };
  return keys.find(answered) ?? [...cache.keys()].find(answered);
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The fragment never reaches the server: `page#a` and `page#b` are one fetch. */
function fetchKey(url: string): string | undefined {
  const parsed = parseUrl(url);
  if (parsed?.protocol !== 'http:' && parsed?.protocol !== 'https:') return undefined;
  parsed.hash = '';
  return parsed.href;
}

// ---- Verdicts

function verdict(
  target: LinkTarget,
  outcome: Outcome,
  context: { offline: boolean; timeoutMs: number },
): Diagnostic[] {
  const what = target.kind === 'image' ? `The image at ${target.url}` : `The link to ${target.url}`;
  const { offline } = context;
  if (outcome.result === 'private')
    return [report(target, 'link-private', { what, where: privateWhere(outcome) })];
  if (outcome.result === 'timeout')
    return [
      report(target, 'link-unverified', {
        case: 'timeout',
        what,
        seconds: context.timeoutMs / 1000,
        offline,
      }),
    ];
  if (outcome.result === 'failed') {
    // Offline, a missing host proves nothing: the one failure that is an error becomes a warning like the
    // rest.
    if (offline || outcome.code !== 'ENOTFOUND') {
      const reason = connectionFailure(outcome.code);
      return [report(target, 'link-unverified', { case: 'failed', what, reason, offline })];
    }
    return [report(target, 'link-broken', { case: 'no-host', what, host: hostOf(target.url) })];
  }
  const { status } = outcome;
  if (status === 404 || status === 410) {
    const image = target.kind === 'image';
    return [report(target, 'link-broken', { case: 'gone', what, status: statusLine(status), image })];
  }
  if (!isSuccess(outcome)) {
    return [
      report(target, 'link-unverified', { case: 'status', what, status, statusLine: statusLine(status) }),
    ];
  }
  if (target.kind === 'image' && outcome.contentType && !isImageType(outcome.contentType)) {
    const contentType = outcome.contentType.split(';')[0] ?? '';
    return [report(target, 'link-unverified', { case: 'not-image', what, contentType })];
  }
  return [];
}

/**
 * A link's place was found when its target was listed, so its problem is built from that, not a source text.
 */
function report<C extends 'link-broken' | 'link-unverified' | 'link-private'>(
  target: LinkTarget,
  code: C,
  params: ProblemParams<C>,
): Diagnostic {
  const entry = catalogueEntry(code);
  const hint = entry.hint(params);
  return {
    code,
    severity: problemCodes[code],
    file: target.file,
    line: target.line,
    column: target.column,
    message: entry.message(params),
    ...(hint ? { hint } : {}),
    ...(target.frameAt ? { frame: codeFrameOf(target.frameAt) } : {}),
  };
}

function statusLine(status: number): string {
  return `${status} ${STATUS_CODES[status] ?? ''}`.trim();
}

function privateWhere(outcome: { address: string; redirectedTo?: string }): string {
  return outcome.redirectedTo
    ? `it redirects to ${outcome.redirectedTo}, at ${outcome.address}`
    : outcome.address;
}

function connectionFailure(code: string): string {
  if (code === 'ECONNREFUSED') return 'the server refused the connection';
  if (code === 'ENOTFOUND') return 'its host name could not be looked up';
  if (code === 'EAI_AGAIN') return 'its host name could not be looked up just now';
  if (code === 'ENETUNREACH' || code === 'ENETDOWN')
    return `this computer's network could not reach it (${code})`;
  if (code === 'EHOSTUNREACH') return 'its server could not be reached';
  if (code === 'TOO_MANY_REDIRECTS') return 'it redirects in a loop';
  if (code === 'REDIRECT_NOT_WEB') return 'it redirects to an address that is not a web page';
  if (/^(CERT_|ERR_TLS_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_)/.test(code))
    return `its security certificate is not valid (${code})`;
  if (code === 'ECONNRESET' || code.startsWith('UND_ERR_SOCKET')) return 'the connection was dropped';
  return `the connection failed (${code})`;
}

/** Some servers send images as generic bytes; only a type that is clearly something else is reported. */
function isImageType(contentType: string): boolean {
  return /^\s*(image\/|application\/octet-stream|binary\/octet-stream)/i.test(contentType);
}

function hostOf(url: string): string {
  return parseUrl(url)?.hostname ?? url;
}
