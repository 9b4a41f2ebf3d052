import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../content/model.js';
import { BUILTIN_TEMPLATES } from '../support/package-root.js';
import { BuildMemo } from './build-memo.js';
import type { PipelineOptions, PipelineReport } from './stages.js';

export type { IssueReport, OutputFile, PipelineOptions, PipelineReport } from './stages.js';

/**
 * The whole job: load -> check -> render each issue once; then its email (compile -> check ->
 * write) for the issues asked for, and the archive of all of them from the same rendering.
 */
export async function runPipeline(options: PipelineOptions): Promise<PipelineReport> {
  const root = resolve(options.root);
  const outDir = resolve(options.outDir ?? join(root, 'dist'));
  // P1's hook: a build whose every input and output is as the last build left them does nothing.
  // It remembers what `bulletin build` prints, not the emails a caller asked to keep.
  const memoized = options.write && options.cache !== false && !options.keepEmails;
  // A light module: the stages, the parsers, MJML and the archive are loaded only by whoever runs
  // them, so a build the memo answers never loads them on this thread (0.3 s of the 1.1 s such a
  // build of 520 issues took).
  const { startStages } = await import('./stages-thread.js');
  // Where no memo is stored (most likely a first build, with every issue to prepare), the stages'
  // thread, if the run has one, starts now with its prepare workers, before the config is read: they
  // load their modules meanwhile and are told the config with their first issue. No issue is read
  // for the memo's key: the build is remembered by the bytes its issues were prepared from
  // (build-memo.ts). Where one is, the issues are read and the thread starts only if the memo does
  // not answer (started anyway, it cost a rebuild with nothing changed ~25 MB and, on two cores, time).
  const mayAnswer = memoized && BuildMemo.mayAnswer(root);
  let stages = mayAnswer ? undefined : await startStages(options, root, { cache: options.cache !== false });
  try {
    // Loaded here, after the threads are started: the config's schema and YAML parser are ~0.1 s.
    const { loadConfig } = await import('../content/config.js');
    const { config, path: configPath, problems: configProblems } = await loadConfig(root);
    if (!config) {
      await stages?.cancel();
      return { configProblems, issues: [] };
    }
    const templatesDir = templatesFor(root, config, configPath);
    const memo = memoized
      ? await BuildMemo.open<PipelineReport>({
          ...{ root, outDir, config, configPath, templatesDir, dates: options.dates },
          ...{ site: Boolean(options.site), strict: Boolean(options.strict) },
        })
      : undefined;
    const found = mayAnswer ? memo?.lookUp() : undefined;
    if (found?.hit) return found.hit;
    stages ??= await startStages(options, root);
    const { report, issueDigests, issueStamps, outputs } = await stages.run({
      ...{ options, root, outDir, config, configProblems, templatesDir },
      ...(found ? { issueDigests: found.issueDigests } : {}),
    });
    return memo ? memo.remember(report, issueDigests, outputs, issueStamps) : report;
  } catch (error) {
    await stages?.cancel();
    throw error;
  }
}

/**
 * The config's `templates:`, else a site's own `templates/` when it has an email layout, else the built-in
 * ones.
 */
export function templatesFor(root: string, config: Config, configPath: string | undefined): string {
  if (config.templates && configPath) return resolve(configPath, '..', config.templates);
  return existsSync(join(root, 'templates', 'email', 'email.mjml.hbs'))
    ? join(root, 'templates')
    : BUILTIN_TEMPLATES;
}
