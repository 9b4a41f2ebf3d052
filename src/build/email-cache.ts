import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Config } from '../content/model.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { type CompiledEmail, type EmailLayout, hydrateWhenFilled } from '../render/email/compile.js';
import type { RenderedIssue } from '../render/rendered-issue.js';
import { isErrno, MISSING } from '../support/errors.js';
import type { WritesInFlight } from '../support/write-atomic.js';
import { isStoredEmail, restored, type StoredEmail, stored } from './email-entry.js';
import { KeyedFileCache } from './keyed-cache.js';
import { codeVersion } from './code-version.js';
import { hashFolder } from './render-cache.js';

/**
 * An issue's compiled email and what was learnt making it: enough to write and check it without MJML.
 * Not the email as written to dist/email/ (recipient fields as placeholders): that is made again from
 * the layout in about 1 ms, less than reading it back (it was half of each entry, 90 of 190 KB, and
 * writing 520 such entries cost a cold `build --all` about 2 s).
 */
export interface CachedEmail {
  layout: EmailLayout;
  /** The pre-send checks of the email (size, text part, unsubscribe links): warnings or errors. */
  problems: Diagnostic[];
}

export interface CheckedEmail {
  email?: CompiledEmail;
  problems: Diagnostic[];
}

/**
 * Compiled emails on disk (`.bulletin/cache/email/DATE.v8`), beside the render cache and under the
 * same rule: the key is a hash of every input, so a change to any of them is a miss. A compiled email
 * is a pure function of the rendered issue, the templates (every file of the folder, by content), the
 * config and Bulletin's code; the working folder is in the key too, as the checks' paths are
 * relative to it. MJML is most of the cost of an email, and a rebuild with nothing changed runs none.
 */
export class EmailCache {
  private readonly entries: KeyedFileCache<StoredEmail>;

  constructor(
    root: string,
    private readonly salt: string,
  ) {
    this.entries = new KeyedFileCache(join(root, '.bulletin', 'cache', 'email'), isStoredEmail);
  }

  /** With `sourceKey` (see PreparedIssue), made from it; otherwise from the rendering itself. */
  keyOf(rendered: RenderedIssue, sourceKey?: string): string {
    const hash = createHash('sha256').update(this.salt);
    if (sourceKey) return hash.update('\0source\0').update(sourceKey).digest('hex');
    return hash.update('\0').update(JSON.stringify(rendered)).digest('hex');
  }

  /** `rendered`: the rendering the entry's key was made of (its slots name its bodies' forms). */
  get(date: string, key: string, rendered: RenderedIssue): CachedEmail | undefined {
    const entry = this.entries.get(date, key);
    return entry && restored(entry, rendered);
  }

  set(date: string, key: string, value: CachedEmail, rendered: RenderedIssue): void {
    this.entries.set(date, key, stored(value, rendered));
  }

  /** `set`, written while the caller goes on (see KeyedFileCache.store). */
  store(date: string, key: string, value: CachedEmail, rendered: RenderedIssue): Promise<void> {
    return this.entries.store(date, key, stored(value, rendered));
  }
}

export function emailCacheFor(root: string, config: Config, templatesDir: string): EmailCache {
  const templates = createHash('sha256').update(templatesDir);
  try {
    hashFolder(templates, templatesDir);
  } catch (error) {
    // No templates folder: compiling reports it (a template error), and nothing is cached then.
    if (!isErrno(error, ...MISSING)) throw error;
  }
  const salt = [codeVersion(), process.cwd(), templates.digest('hex'), JSON.stringify(config)].join('\0');
  return new EmailCache(root, salt);
}

/**
 * The checked email of a rendered issue from the cache, or made by `compile` and stored. Only an
 * email that was made is stored (a template error is reported afresh each time). With `writes`, the
 * entry is written while the caller goes on, and `writes` is awaited before the run ends.
 */
export async function cachedEmail(
  cache: EmailCache | undefined,
  issue: { rendered: RenderedIssue; sourceKey?: string },
  compile: () => Promise<CheckedEmail>,
  writes?: WritesInFlight,
): Promise<CheckedEmail> {
  if (!cache) return compile();
  const date = issue.rendered.issue.date;
  const key = cache.keyOf(issue.rendered, issue.sourceKey);
  const hit = cache.get(date, key, issue.rendered);
  if (hit) return { email: hydrateWhenFilled(hit.layout), problems: hit.problems };
  const built = await compile();
  if (!built.email) return built;
  const entry = { layout: built.email.layout, problems: built.problems };
  if (writes) await writes.add(cache.store(date, key, entry, issue.rendered));
  else cache.set(date, key, entry, issue.rendered);
  return built;
}
