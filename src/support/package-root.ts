import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of Bulletin's own package.json: the same whether the code runs compiled from `lib/`
 * or as TypeScript under the test runner, so built-in templates and samples are found from both.
 */
export const packageRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'templates'))) return dir;
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('Bulletin cannot find its own package folder (package.json beside templates/).');
    dir = parent;
  }
})();

/**
 * The templates shipped with Bulletin, used when a site has no `templates:` of its own. Here, not
 * beside the email templates' loader, so that choosing the folder loads no template engine.
 */
export const BUILTIN_TEMPLATES = join(packageRoot, 'templates');
