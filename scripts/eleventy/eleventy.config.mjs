/**
 * Eleventy baseline for the archive speed benchmark: build the same Markdown as Bulletin, each
 * `.md` file through one minimal Nunjucks layout, with Eleventy's default markdown-it.
 *
 *   node node_modules/@11ty/eleventy/cmd.cjs --config=scripts/eleventy/eleventy.config.mjs \
 *     --input=<corpus>/bulletins --output=<out> --quiet
 *
 * The input folder comes from the command line; the layout lives beside this file, so the
 * includes folder is given relative to whatever input folder was chosen.
 */
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const includes = fileURLToPath(new URL('./_includes/', import.meta.url));

export default function (eleventyConfig) {
  const input = resolve(eleventyConfig.directories.input ?? '.');
  eleventyConfig.setIncludesDirectory(relative(input, includes) || '.');
  // Every page gets the layout; the content's own front matter never names one.
  eleventyConfig.addGlobalData('layout', 'page.njk');
  // Content is plain Markdown (Bulletin never templates it): no Liquid pass over each file, so
  // "{{" in a bulletin stays text, as it does in Bulletin. (This also makes the baseline faster.)
  // Ignore nothing beyond Eleventy's built-ins: not even the repo's .gitignore (a corpus under dist/).
  eleventyConfig.setUseGitIgnore(false);
  return { markdownTemplateEngine: false };
}
