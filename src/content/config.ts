import { access } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseDocument } from 'yaml';
import { diagnose, type Diagnostic } from '../diagnostics/diagnostic.js';
import { SetupError } from '../diagnostics/setup-error.js';
import { placeAt, sourceText } from '../diagnostics/source-text.js';
import type { FrontMatterFile } from './front-matter.js';
import { readSource } from './read-source.js';
import { configSchema, type Config } from './schema.js';
import { CONFIG_NAMES } from './config-names.js';
import { validateFrontMatter } from './validate.js';
import { placeOfPath } from './yaml-place.js';
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
      problems: [
        diagnose(
          where,
          { line: 1, column: 1 },
          'config-invalid',
          `No bulletin.config.yaml or bulletin.config.json in ${root}.`,
          'Run Bulletin from the folder that holds your site, or create the config (see the README).',
        ),
      ],
    };
  }
  const read = await readSource(path, relative(process.cwd(), path) || path);
  if ('problem' in read) return { config: undefined, path, problems: [read.problem] };
  const source = read.source;
  const yaml = parseDocument(source.text, { uniqueKeys: true, prettyErrors: false });
  if (yaml.errors.length > 0) {
    const problems = yaml.errors.map((error) =>
      diagnose(
        source,
        placeAt(source, error.pos[0]),
        'yaml-syntax',
        `Syntax error: ${error.message.split('\n')[0]}`,
        'Check quotes and indentation.',
      ),
    );
    return { config: undefined, path, problems };
  }
  const file: FrontMatterFile = { source, yaml, yamlOffset: 0, data: yaml.toJS(), body: '', bodyLine: 1 };
  const validated = validateFrontMatter(file, configSchema);
  const problems: Diagnostic[] = validated.problems.map((p) =>
    p.code === 'unknown-key' ? p : { ...p, code: 'config-invalid' },
  );
  if (!validated.value) return { config: undefined, path, problems };
  problems.push(...duplicateIds(file, validated.value));
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
          diagnose(
            file.source,
            placeOfPath(file, [key, index, 'id']),
            'config-invalid',
            `Duplicate id "${entry.id}" in ${key}.`,
            'Each id may appear once.',
          ),
        );
      }
      seen.add(entry.id);
    });
  }
  return problems;
}

/**
 * BULLETIN_BASE_URL replaces `site.baseUrl` for one run: a local preview (`npm start`) whose
 * links, in the archive and in the mail it sends, lead back to this machine.
 */
function baseUrlOverride(source: Parameters<typeof diagnose>[0]): { url?: string } | { problem: Diagnostic } {
  const value = process.env.BULLETIN_BASE_URL;
  if (!value) return {};
  const url = parseUrl(value);
  if (url?.protocol === 'http:' || url?.protocol === 'https:') return { url: url.href };
  return {
    problem: diagnose(
      source,
      { line: 1, column: 1 },
      'config-invalid',
      `BULLETIN_BASE_URL "${value}" is not an http or https address.`,
      'Set it like http://127.0.0.1:8080/, or unset it to use site.baseUrl.',
    ),
  };
}
