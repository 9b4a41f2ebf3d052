import type { Config } from '../content/model.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { addDays } from '../support/dates.js';
import { isLoopback } from '../support/loopback.js';

/** Why an issue may not go to a list yet, though it builds: a sentence, and the places in content if any. */
export interface SendRefusal {
  reason: string;
  problems: Diagnostic[];
}

/**
 * What blocks a send to a whole list but not a `--to` test: the same rules for `send`, `schedule`
 * and a scheduled send at its time. `problems` are the issue's own (warnings included).
 */
export function listSendRefusals(
  config: Config,
  problems: readonly Diagnostic[],
  env: NodeJS.ProcessEnv = process.env,
): SendRefusal[] {
  return [placeholdersLeft(problems), insecureBaseUrl(config, env)].filter(
    (r): r is SendRefusal => r !== undefined,
  );
}

/**
 * An issue older than `dispatch.maxAgeDays` is refused (unless forced): sending one is usually a
 * mistyped date. `today` is a calendar day (YYYY-MM-DD). Says why, or nothing when it may go.
 */
export function tooOldToSend(config: Config, date: string, today: string): string | undefined {
  const days = config.dispatch.maxAgeDays;
  if (addDays(date, days) >= today) return undefined;
  return `${date} is more than ${days} days old; sending an old issue is usually a mistake. Add --force if it is not.`;
}

/** One line for a report that has no room for code frames (a scheduled send's detail, the preview). */
export function describeRefusals(refusals: readonly SendRefusal[]): string {
  const places = (problems: readonly Diagnostic[]) =>
    problems.map((p) => `${p.file}:${p.line}:${p.column}`).join(', ');
  return refusals
    .map((r) => (r.problems.length ? `${r.reason}: ${places(r.problems)}` : r.reason))
    .join('; ');
}

const PLACEHOLDER_HINT =
  'Write the missing text in its place before sending to a list; `send --to ADDRESS` sends a test as it is.';

/**
 * A TK is a warning while drafting, so `check` and the preview stay usable; an issue still holding
 * one is not finished, and a list must never get "TK headline" (it happened: `bulletin new`
 * scaffolds them). A test to one address still goes, to see the email.
 */
function placeholdersLeft(problems: readonly Diagnostic[]): SendRefusal | undefined {
  const left = problems.filter((p) => p.code === 'placeholder-left');
  if (!left.length) return undefined;
  return {
    reason: `${left.length} placeholder${left.length === 1 ? ' is' : 's are'} still in the issue`,
    problems: left.map((p) => ({ ...p, severity: 'error', hint: PLACEHOLDER_HINT })),
  };
}

/**
 * With an http: List-Unsubscribe beside List-Unsubscribe-Post, Gmail and Yahoo ignore one-click
 * (RFC 8058 requires https), so readers lose the button and the list loses its standing. A
 * loopback address is the Quick start's own server, never reached by a mailbox provider.
 */
function insecureBaseUrl(config: Config, env: NodeJS.ProcessEnv): SendRefusal | undefined {
  const url = new URL(config.site.baseUrl);
  if (url.protocol === 'https:' || isLoopback(url.hostname)) return undefined;
  // The same precedence as the config loader: a non-empty BULLETIN_BASE_URL wins.
  const setting = env.BULLETIN_BASE_URL ? 'BULLETIN_BASE_URL' : 'site.baseUrl';
  return {
    reason:
      `${setting} is ${url.href}, so the unsubscribe link would be http: and Gmail and Yahoo drop one-click ` +
      `unsubscribe for it. Set ${setting} to the https:// address of the site`,
    problems: [],
  };
}
