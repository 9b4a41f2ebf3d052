import { lazyRequire } from '../support/lazy-require.js';

/**
 * The `yaml` package, loaded when first used: the plain front matter of nearly every file is read
 * without it (plain-front-matter.ts), so a thread that only prepares issues seldom needs it.
 */
export const yamlLibrary = lazyRequire<typeof import('yaml')>('yaml');
