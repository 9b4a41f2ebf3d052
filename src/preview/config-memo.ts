import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CONFIG_NAMES, loadConfig, type LoadedConfig } from '../content/config.js';
import { isErrno, MISSING } from '../support/errors.js';

/**
 * The site's config for each save: read every time, parsed and checked again only when what it is
 * made of changed. Parsing it was the most of an unchanged config's cost, on every save.
 * A loaded config is a function of the file found first among CONFIG_NAMES, its text and
 * BULLETIN_BASE_URL; and of the logo's file when it names one, which is why a config with a logo
 * is always loaded afresh. Anything unusual (a name that cannot be read) is left to `loadConfig`.
 */
export function rememberedConfig(): (root: string) => Promise<LoadedConfig> {
  let last: { key: string; loaded: LoadedConfig } | undefined;
  return async (root) => {
    const key = await inputsOf(root);
    if (key !== undefined && last?.key === key) return last.loaded;
    const loaded = await loadConfig(root);
    // A config with problems is not kept: it is being edited, and a logo's problem is the logo file's.
    const pure = key !== undefined && loaded.config !== undefined && loaded.config.site.logo === undefined;
    last = pure ? { key, loaded } : undefined;
    return loaded;
  };
}

/** What the config is made of, as one string; undefined when only `loadConfig` can say. */
async function inputsOf(root: string): Promise<string | undefined> {
  for (const name of CONFIG_NAMES) {
    const path = join(root, name);
    try {
      const text = await readFile(path, 'utf8');
      return JSON.stringify([path, text, process.env.BULLETIN_BASE_URL ?? null]);
    } catch (error) {
      if (isErrno(error, ...MISSING)) continue;
      // A folder, a loop of links, no permission: loadConfig finds the same and says what is wrong.
      return undefined;
    }
  }
  return undefined;
}
