import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { TemplateError } from '../render/email/templates.js';
import { memoizeAsync, type MemoizedAsync } from '../render/memo.js';
import { unlessMissing } from '../support/errors.js';

export const PAGE_TEMPLATES = [
  'layout',
  'index',
  'issue',
  'tag',
  'tags',
  'search',
  'subscribe',
  '404',
  'notice',
  'confirm',
  'unsubscribe',
  'preferences',
] as const;
export type PageTemplate = (typeof PAGE_TEMPLATES)[number];

export interface SiteTemplates {
  dir: string;
  render(template: PageTemplate, context: object): string;
  /** Static files shipped with the templates (`templates/site/assets/`). */
  assets: { name: string; content: Uint8Array }[];
}

/**
 * The archive's page templates. Content reaches them as data, through one Handlebars pass, so it
 * is never compiled; article HTML is already sanitized and goes in with `{{{ }}}`, everything else
 * is escaped by `{{ }}`.
 */
export const loadSiteTemplates: MemoizedAsync<SiteTemplates> = memoizeAsync(compile);

async function compile(templatesDir: string): Promise<SiteTemplates> {
  const dir = join(templatesDir, 'site');
  const env = Handlebars.create();
  const compiled = new Map<PageTemplate, HandlebarsTemplateDelegate>();
  for (const name of PAGE_TEMPLATES) {
    const file = join(dir, `${name}.hbs`);
    let source: string;
    try {
      source = await readFile(file, 'utf8');
    } catch (error) {
      throw new TemplateError(
        file,
        `cannot read the template (${(error as NodeJS.ErrnoException).code ?? String(error)}).`,
      );
    }
    compiled.set(name, env.compile(source, { strict: false }));
  }
  const partialsDir = join(dir, 'partials');
  for (const name of await unlessMissing(readdir(partialsDir), [])) {
    if (name.endsWith('.hbs'))
      env.registerPartial(name.slice(0, -4), await readFile(join(partialsDir, name), 'utf8'));
  }
  const assetsDir = join(dir, 'assets');
  const assets = await Promise.all(
    (await unlessMissing(readdir(assetsDir), [])).map(async (name) => ({
      name,
      content: new Uint8Array(await readFile(join(assetsDir, name))),
    })),
  );
  return {
    dir,
    assets,
    render(template, context) {
      try {
        return compiled.get(template)!(context);
      } catch (error) {
        throw new TemplateError(
          join(dir, `${template}.hbs`),
          (error as Error).message.split('\n')[0] ?? String(error),
        );
      }
    },
  };
}
