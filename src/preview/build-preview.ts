import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { archiveOf } from '../archive/from-rendered.js';
import type { SiteFiles } from '../archive/model.js';
import { pageFiles } from '../archive/pages.js';
import { logoFiles } from '../archive/logo.js';
import { loadSiteTemplates } from '../archive/site-templates.js';
import type { LinkTarget } from '../checks/link-targets.js';
import { templatesFor } from '../build/pipeline.js';
import { checkedEmail } from '../build/email-stage.js';
import { prepareFresh } from '../build/prepare.js';
import { loadConfig, type LoadedConfig } from '../content/config.js';
import type { Config } from '../content/model.js';
import { sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { CompiledEmail } from '../render/email/compile.js';
import { forArchive } from '../render/rendered-issue.js';
import { isErrno, MISSING } from '../support/errors.js';

/** One file of the issue, as the studio lists it: its title once it loads, and how many problems it has. */
export interface PreviewFile {
  file: string;
  title: string;
  kind: string;
  errors: number;
  warnings: number;
}

/** The issue as it stands on disk, in every form the studio shows. */
export interface PreviewBuild {
  date: string;
  subject?: string;
  preheader?: string;
  problems: Diagnostic[];
  files: PreviewFile[];
  /** The config with `site.baseUrl` pointing at the preview's own `/site/`. */
  config?: Config;
  templatesDir?: string;
  email?: CompiledEmail;
  /**
   * The issue's archive page, the index and the site's assets, in memory: made when first asked for,
   * as a save should not wait for a page the writer may not be looking at (the email shows first).
   */
  site?: () => SiteFiles;
  /** The issue folder, for images served straight from it. */
  issueDir: string;
  /** Every web address in the issue and where it is written, for the link check. */
  links: LinkTarget[];
  htmlBytes?: number;
  ms: number;
}

/**
 * Load -> check -> render -> email -> archive page of one issue, in memory, the way `bulletin build`
 * would make them but without the image resizing (the preview serves images from the folder).
 * The site's address is the preview's own, so every link and image in the email resolves here.
 */
export async function buildPreview(
  root: string,
  date: string,
  siteUrl: string,
  configOf: (root: string) => Promise<LoadedConfig> = loadConfig,
): Promise<PreviewBuild> {
  const started = performance.now();
  const issueDir = join(root, 'bulletins', date);
  const done = (
    build: Omit<PreviewBuild, 'ms' | 'issueDir' | 'files' | 'links'> & { links?: LinkTarget[] },
    titles = new Map<string, { title: string; kind: string }>(),
  ): Promise<PreviewBuild> =>
    filesOf(issueDir, build.problems, titles).then((files) => ({
      ...build,
      problems: sortDiagnostics(build.problems),
      files,
      issueDir,
      links: build.links ?? [],
      ms: Math.round(performance.now() - started),
    }));

  const loaded = await configOf(root);
  if (!loaded.config) return done({ date, problems: loaded.problems });
  const config: Config = { ...loaded.config, site: { ...loaded.config.site, baseUrl: siteUrl } };
  const templatesDir = templatesFor(root, config, loaded.path);
  const prepared = await prepareFresh(root, date, config);
  const problems = [...loaded.problems, ...prepared.problems];
  const rendered = prepared.rendered;
  if (!rendered) return done({ date, problems, config, templatesDir, links: prepared.links });

  const titles = new Map([
    [rendered.issue.source, { title: rendered.issue.title, kind: 'lead article' }],
    ...rendered.items.map(({ item }) => [item.source, { title: item.title, kind: item.kind }] as const),
  ]);
  const built = await checkedEmail(rendered, config, templatesDir);
  problems.push(...built.problems);
  // The templates and logo as they are now: a save after this build may change them.
  const templates = await loadSiteTemplates(templatesDir);
  const logos = await logoFiles(config);
  let site: SiteFiles | undefined;
  const siteFiles = () => {
    if (site) return site;
    site = pageFiles(archiveOf(config, [forArchive(rendered)]), templates, new Set([date]));
    for (const asset of templates.assets) site.set(`assets/${asset.name}`, asset.content);
    for (const [path, content] of logos) site.set(path, content);
    return site;
  };
  const email = built.email;
  return done(
    {
      date,
      subject: rendered.issue.subject,
      preheader: rendered.issue.summary,
      problems,
      config,
      templatesDir,
      site: siteFiles,
      links: prepared.links,
      ...(email ? { email, htmlBytes: Buffer.byteLength(email.withPlaceholders().html) } : {}),
    },
    titles,
  );
}

/** Every Markdown file of the folder, in order, with its problems counted: broken files are listed too. */
async function filesOf(
  issueDir: string,
  problems: readonly Diagnostic[],
  titles: Map<string, { title: string; kind: string }>,
): Promise<PreviewFile[]> {
  let names: string[] = [];
  try {
    names = (await readdir(issueDir))
      .filter((n) => n.endsWith('.md') && !n.startsWith('.'))
      .sort((a, b) => (a === 'issue.md' ? -1 : b === 'issue.md' ? 1 : a.localeCompare(b)));
  } catch (error) {
    // Loading the issue read the same folder and reported why it could not (issue-missing, file-unreadable).
    if (!isErrno(error, ...MISSING, 'ELOOP', 'EACCES', 'EPERM')) throw error;
  }
  return names.map((name) => {
    const file = relative(process.cwd(), join(issueDir, name)) || name;
    const own = problems.filter((p) => p.file === file);
    const known = titles.get(file);
    return {
      file,
      title: known?.title ?? name,
      kind: known?.kind ?? '',
      errors: own.filter((p) => p.severity === 'error').length,
      warnings: own.filter((p) => p.severity === 'warning').length,
    };
  });
}
