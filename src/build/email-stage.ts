/**
 * One issue's email stage: compile -> check -> write, from its prepared rendering (or the compiled
 * email cache), and the report of it. `stages.ts` runs it for each issue with an email to make.
 */
import { join, relative } from 'node:path';
import type { LinkTarget } from '../checks/link-targets.js';
import { checkEmail } from '../checks/email-checks.js';
import type { Config } from '../content/model.js';
import { isProse } from '../content/kinds/index.js';
import { hasErrors, sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import { atOffset, problem, startOf } from '../diagnostics/problem.js';
import { SetupError } from '../diagnostics/setup-error.js';
import { sourceText } from '../diagnostics/source-text.js';
import { compileEmail, type CompiledEmail, hydrateWhenFilled } from '../render/email/compile.js';
import { utf8Of } from '../render/email/fill-template.js';
import { loadEmailTemplates, TemplateError } from '../render/email/templates.js';
import type { RenderedIssue } from '../render/rendered-issue.js';
import { causeOf, isErrno, MISSING, UNWRITABLE } from '../support/errors.js';
import { type FileStamp, stampIfThere } from '../support/file-stamp.js';
import { writeChangedFilesAtomically, type WritesInFlight } from '../support/write-atomic.js';
import { cachedEmail, type EmailCache } from './email-cache.js';
import type { PreparedIssue } from './prepared-issue.js';

export interface OutputFile {
  path: string;
  bytes: number;
}

export interface IssueReport {
  date: string;
  problems: Diagnostic[];
  /** The email was laid out and checked as a whole (false when the issue's errors kept it from that). */
  emailChecked: boolean;
  /** With `keepEmails`. */
  email?: CompiledEmail;
  outputs?: { html: OutputFile; text: OutputFile };
  /** Every web address in the issue, for the network link check (`check`, `send`; a build keeps none). */
  links?: LinkTarget[];
}

/** Where the emails go: their writes in flight, and each written file's stamp, by its path. */
export interface EmailWrites {
  inFlight: WritesInFlight;
  stamps: Map<string, FileStamp>;
}

/** What of the run's options the email stage reads (stages.ts, `PipelineOptions`). */
export interface EmailOptions {
  write: boolean;
  strict?: boolean;
  keepEmails?: boolean;
}

/**
 * The email of one prepared issue, checked, and written to `<outDir>/email/DATE/` unless it has
 * errors (or, with `strict`, problems): its report either way.
 */
export async function emailStage(
  prepared: PreparedIssue,
  config: Config,
  templatesDir: string,
  outDir: string,
  options: EmailOptions,
  writes: EmailWrites,
  emailCache?: EmailCache,
): Promise<IssueReport> {
  const { date, problems, rendered } = prepared;
  if (!rendered) return { date, emailChecked: false, problems: sortDiagnostics(problems) };
  // The compiled-email cache (P1's hook): MJML and the checks only for an issue whose inputs changed.
  const built = await cachedEmail(
    emailCache,
    { rendered, ...(prepared.sourceKey ? { sourceKey: prepared.sourceKey } : {}) },
    () => checkedEmail(rendered, config, templatesDir),
    writes.inFlight,
  );
  problems.push(...built.problems);
  const email = built.email;
  if (!email) return { date, emailChecked: false, problems: sortDiagnostics(problems) };
  const report: IssueReport = {
    date,
    emailChecked: true,
    problems: sortDiagnostics(problems),
    // The layout, not its compiled per-recipient pass, which is made again only if it is filled.
    ...(options.keepEmails ? { email: hydrateWhenFilled(email.layout) } : {}),
  };
  if (!options.write || hasErrors(problems) || (options.strict && problems.length > 0)) return report;

  const output = email.withPlaceholdersApart();
  // Encoded from its pieces: the HTML as one string is over V8's 128 KB for an ordinary object.
  const htmlBytes = utf8Of(output.html);

  const dir = join(outDir, 'email', date);
  const html = join(dir, 'email.html');
  const text = join(dir, 'email.txt');
  const bytes = { html: htmlBytes.length, text: Buffer.byteLength(output.text) };
  await writes.inFlight.add(
    writeChangedFilesAtomically(
      [
        { path: html, content: htmlBytes },
        { path: text, content: output.text },
      ],
      { handOver: true },
    ).then(
      () => {
        // Stamped as soon as written (or found unchanged), while the next emails are made. One removed
        // meanwhile has none: the memo then looks for it itself, and without it remembers no build.
        for (const path of [html, text]) {
          const stamp = stampIfThere(path);
          if (stamp) writes.stamps.set(path, stamp);
        }
      },
      (error: unknown) => {
        // The output folder's fault (read-only, full, a file in its place), not a bug: said in one line.
        if (!isErrno(error, ...UNWRITABLE, ...MISSING, 'EEXIST')) throw error;
        throw new SetupError(
          `Cannot write the email to ${relative(process.cwd(), dir) || '.'} (${causeOf(error)}); check that the output folder (--out) is a folder you can write to.`,
          { cause: error },
        );
      },
    ),
  );
  return {
    ...report,
    outputs: {
      html: { path: html, bytes: bytes.html },
      text: { path: text, bytes: bytes.text },
    },
  };
}

/**
 * The email of a rendered issue and the pre-send checks of it: its size as Gmail counts it, its
 * text part and unsubscribe links. A mistake in a template is a problem reported, not a crash.
 */
export async function checkedEmail(
  rendered: RenderedIssue,
  config: Config,
  templatesDir: string,
): Promise<{ email?: CompiledEmail; problems: Diagnostic[] }> {
  let email: CompiledEmail;
  try {
    email = await compileEmail(rendered, config, await loadEmailTemplates(templatesDir));
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    return {
      problems: [
        problem(
          'template-error',
          error.at
            ? atOffset(sourceText(relative(process.cwd(), error.file), error.at.text), error.at.offset)
            : startOf(sourceText(relative(process.cwd(), error.file), '')),
          { detail: error.reason },
        ),
      ],
    };
  }
  return {
    email,
    problems: [
      // Sized as a subscriber receives it: long signed links fill the placeholders (see
      // checks/email-checks.ts).
      ...checkEmail(rendered.issue.source, relative(process.cwd(), templatesDir) || '.', email.fillApart, [
        rendered.issue.title,
        ...rendered.items.filter(({ item }) => isProse(item.kind)).map(({ item }) => item.title),
      ]),
    ],
  };
}
