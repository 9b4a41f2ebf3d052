import { access } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseDocument } from 'yaml';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { at, atOffset, problem, startOf } from '../diagnostics/problem.js';
import { sourceText, type SourceText } from '../diagnostics/source-text.js';
import { SetupError } from '../diagnostics/setup-error.js';
import type { FrontMatterFile } from './front-matter.js';
import { itemKinds, kindSpec } from './kinds/index.js';
import { readSource } from './read-source.js';
import { configSchema, type Config } from './schema.js';
import { CONFIG_NAMES } from './config-names.js';
import { validateFrontMatter } from './validate.js';
import { placeOfPath } from './yaml-place.js';
import { readSiteLogo } from './site-logo.js';
import { parseUrl } from '../support/errors.js';
import { causeOf, isErrno, MISSING } from '../support/errors.js';

export { CONFIG_NAMES };

export interface LoadedConfig {
  config: Config | undefined;
  /** Absolute path of the config file, if one was found. */
  path: string | undefined;
  problems: Diagnostic[];
}

/** Reads and checks the site's config. JSON is parsed as YAML (a superset), so both keep positions. */
export async function loadConfig(root: string): Promise<LoadedConfig> {
  const path = await findConfig(root);
  if (!path) {
    const where = sourceText(join(relative(process.cwd(), root) || '.', CONFIG_NAMES[0]!), '');
    return {
      config: undefined,
      path: undefined,
      problems: [problem('config-invalid', startOf(where), { case: 'no-config', root })],
    };
  }
  const read = await readSource(path, relative(process.cwd(), path) || path);
  if ('problem' in read) return { config: undefined, path, problems: [read.problem] };
  const source = read.source;
  const yaml = parseDocument(source.text, { uniqueKeys: true, prettyErrors: false });
  if (yaml.errors.length > 0) {
    const problems = yaml.errors.map((error) =>
      problem('yaml-syntax', atOffset(source, error.pos[0]), {
        in: 'config',
        detail: error.message.split('\n')[0] ?? '',
      }),
    );
    return { config: undefined, path, problems };
  }
  const file: FrontMatterFile = { source, yaml, yamlOffset: 0, data: yaml.toJS(), body: '', bodyLine: 1 };
  const validated = validateFrontMatter(file, configSchema);
  const problems: Diagnostic[] = validated.problems.map((p) =>
    p.code === 'unknown-key' ? p : { ...p, code: 'config-invalid' },
  );
  if (!validated.value) return { config: undefined, path, problems };
  problems.push(...duplicateIds(file, validated.value), ...kindsWithoutSection(file, validated.value));
  const config: Config = validated.value;
  if (config.site.logo !== undefined) {
    const logo = await readSiteLogo(file, config.site.logo, path);
    if ('problem' in logo) problems.push(logo.problem);
    else config.siteLogo = logo.logo;
  }
  const baseUrl = baseUrlOverride(source);
  if ('problem' in baseUrl) problems.push(baseUrl.problem);
  else if (baseUrl.url) validated.value.site.baseUrl = baseUrl.url;
  return { config: problems.length ? undefined : validated.value, path, problems };
}

async function findConfig(root: string): Promise<string | undefined> {
  for (const name of CONFIG_NAMES) {
    const candidate = join(root, name);
    try {
      await access(candidate);
      return candidate;
    } catch (error) {
      // Not there: try the next name. Anything else (a loop of links, ...) is not "no config".
      if (!isErrno(error, ...MISSING)) {
        throw new SetupError(`Cannot look for the config ${candidate} (${causeOf(error)}).`, {
          cause: error,
        });
      }
    }
  }
  return undefined;
}

function duplicateIds(file: FrontMatterFile, config: Config): Diagnostic[] {
  const problems: Diagnostic[] = [];
  for (const key of ['lists', 'places', 'programmes'] as const) {
    const seen = new Set<string>();
    config[key].forEach((entry, index) => {
      if (seen.has(entry.id)) {
        problems.push(
          problem('config-invalid', at(file.source, placeOfPath(file, [key, index, 'id'])), {
            case: 'duplicate-id',
            id: entry.id,
            list: key,
          }),
        );
      }
      seen.add(entry.id);
    });
  }
  return problems;
}

/**
 * Every kind needs a section: its title heads the kind's items, and without one they would be
 * left out of the email and the archive without a word. (A section naming an unknown kind is the
 * schema's to report.)
 */
function kindsWithoutSection(file: FrontMatterFile, config: Config): Diagnostic[] {
  const listed = config.sections.map((s) => s.kind);
  return itemKinds
    .filter((kind) => !listed.includes(kind))
    .map((kind) =>
      problem('config-invalid', at(file.source, placeOfPath(file, ['sections'], 'key')), {
        case: 'kind-without-section',
        kind,
        listed: listed.join(', '),
        sectionTitle: kindSpec(kind).sectionTitle,
      }),
    );
}

/**
 * BULLETIN_BASE_URL replaces `site.baseUrl` for one run: a local preview (`npm start`) whose
 * links, in the archive and in the mail it sends, lead back to this machine.
 */
function baseUrlOverride(source: SourceText): { url?: string } | { problem: Diagnostic } {
  const value = process.env.BULLETIN_BASE_URL;
  if (!value) return {};
  const url = parseUrl(value);
  if (url?.protocol === 'http:' || url?.protocol === 'https:') return { url: url.href };
  return {
    problem: problem('config-invalid', startOf(source), { case: 'base-url', value }),
  };
}
