import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { checkEmailSize } from '../checks/email-checks.js';
import { checkIssue } from '../checks/issue-checks.js';
import { checkSources } from '../checks/source-checks.js';
import { loadConfig } from '../content/config.js';
import { loadIssue } from '../content/load-issue.js';
import type { Config } from '../content/model.js';
import { diagnose, hasErrors, sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import { sourceText } from '../diagnostics/source-text.js';
import { compileEmail, type CompiledEmail } from '../render/email/compile.js';
import { BUILTIN_TEMPLATES, loadEmailTemplates, TemplateError } from '../render/email/templates.js';
import { renderIssueContent } from '../render/render-issue.js';
import { writeFilesAtomically } from './write-atomic.js';

export interface PipelineOptions {
  /** The site folder: bulletin.config.*, bulletins/, templates/. */
  root: string;
  dates: readonly string[];
  /** Write dist/email/DATE/email.{html,txt}; false for `check`. */
  write: boolean;
  outDir?: string;
  /** With `write`: warnings also keep an issue from being written. */
  strict?: boolean;
}

export interface OutputFile {
  path: string;
  bytes: number;
}

export interface IssueReport {
  date: string;
  problems: Diagnostic[];
  email?: CompiledEmail;
  outputs?: { html: OutputFile; text: OutputFile };
}

export interface PipelineReport {
  configProblems: Diagnostic[];
  issues: IssueReport[];
}

/** The whole job for a set of issues: load -> check -> render -> check -> write. */
export async function runPipeline(options: PipelineOptions): Promise<PipelineReport> {
  const root = resolve(options.root);
  const { config, path: configPath, problems: configProblems } = await loadConfig(root);
  if (!config) return { configProblems, issues: [] };
  const templatesDir = config.templates && configPath ? resolve(configPath, '..', config.templates) : resolveTemplates(root);
  const issues: IssueReport[] = [];
  for (const date of options.dates) issues.push(await runIssue(root, date, config, templatesDir, options));
  return { configProblems, issues };
}

async function runIssue(root: string, date: string, config: Config, templatesDir: string, options: PipelineOptions): Promise<IssueReport> {
  const loaded = await loadIssue(root, date, config);
  const problems = [...loaded.problems, ...checkSources(loaded.files)];
  if (!loaded.issue || hasErrors(problems)) return { date, problems: sortDiagnostics(problems) };

  const issue = loaded.issue;
  problems.push(...checkIssue(issue, config));
  let email: CompiledEmail;
  try {
    const rendered = renderIssueContent(issue, config);
    email = await compileEmail(rendered, config, await loadEmailTemplates(templatesDir));
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    problems.push(diagnose(sourceText(relative(process.cwd(), error.file), ''), { line: 1, column: 1 }, 'template-error', error.message, 'Fix the template; content is not at fault.'));
    return { date, problems: sortDiagnostics(problems) };
  }
  const output = email.withPlaceholders();
  const htmlBytes = Buffer.byteLength(output.html);
  problems.push(...checkEmailSize(issue, htmlBytes));
  const report: IssueReport = { date, problems: sortDiagnostics(problems), email };
  if (!options.write || hasErrors(problems) || (options.strict && problems.length > 0)) return report;

  const dir = join(resolve(options.outDir ?? join(root, 'dist')), 'email', date);
  const html = join(dir, 'email.html');
  const text = join(dir, 'email.txt');
  await writeFilesAtomically([
    { path: html, content: output.html },
    { path: text, content: output.text },
  ]);
  return { ...report, outputs: { html: { path: html, bytes: htmlBytes }, text: { path: text, bytes: Buffer.byteLength(output.text) } } };
}

/** A site's own `templates/` when it has an email layout, else the built-in templates. */
function resolveTemplates(root: string): string {
  return existsSync(join(root, 'templates', 'email', 'email.mjml.hbs')) ? join(root, 'templates') : BUILTIN_TEMPLATES;
}
