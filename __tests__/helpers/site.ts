import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPipeline } from '../../src/build/pipeline.js';
import { repoRoot } from './cli.js';

/** A throwaway site folder with the real config, for tests that write content of their own. */
export function tempSite(): {
  root: string;
  write(date: string, name: string, text: string): void;
  remove(): void;
} {
  const root = mkdtempSync(join(tmpdir(), 'bulletin-site-'));
  cpSync(join(repoRoot, 'bulletin.config.yaml'), join(root, 'bulletin.config.yaml'));
  return {
    root,
    write(date, name, text) {
      mkdirSync(join(root, 'bulletins', date), { recursive: true });
      writeFileSync(join(root, 'bulletins', date, name), text);
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** A throwaway copy of the sample site: its config, issues and templates (so that one can be edited). */
export function sampleSiteCopy(): ReturnType<typeof tempSite> {
  const site = tempSite();
  cpSync(join(repoRoot, 'bulletins'), join(site.root, 'bulletins'), { recursive: true });
  cpSync(join(repoRoot, 'templates'), join(site.root, 'templates'), { recursive: true });
  return site;
}

/** Builds one issue of a site in memory (nothing written) and returns its report. */
export async function buildInMemory(root: string, date: string) {
  const report = await runPipeline({ root, dates: [date], write: false, keepEmails: true });
  const issue = report.issues[0];
  if (!issue) throw new Error(`no report for ${date}: ${JSON.stringify(report.configProblems)}`);
  return issue;
}

/**
 * The seed week as printed says "here" for three of its links. The sample keeps its words, so
 * `check` warns about them: these, and nothing else.
 */
export const SEED_WARNINGS = [
  'bulletins/2018-05-11/02-carers.md:10:58 link-text-vague',
  'bulletins/2018-05-11/02-carers.md:21:32 link-text-vague',
  'bulletins/2018-05-11/issue.md:27:235 link-text-vague',
];

export const placeOf = (p: { file: string; line: number; column: number; code: string }) =>
  `${p.file}:${p.line}:${p.column} ${p.code}`;
