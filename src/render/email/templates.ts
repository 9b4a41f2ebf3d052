import { readFile, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import Handlebars from 'handlebars';
import { causeOf, isErrno } from '../../support/errors.js';
import { memoizeAsync, type MemoizedAsync } from '../memo.js';
import { Slot } from './slots.js';

export { BUILTIN_TEMPLATES } from '../../support/package-root.js';

export interface EmailTemplates {
  dir: string;
  html: HandlebarsTemplateDelegate;
  text: HandlebarsTemplateDelegate;
}

export class TemplateError extends Error {
  /** What is wrong, without the file (the message starts with the file). */
  readonly reason: string;
  /** The file's text and where in it the mistake is, when that is known. */
  readonly at?: { text: string; offset: number };

  constructor(
    readonly file: string,
    reason: string,
    options: ErrorOptions & { at?: { text: string; offset: number } } = {},
  ) {
    super(`${file}: ${reason}`, options);
    this.reason = reason;
    if (options.at) this.at = options.at;
  }
}

/** Loads and compiles the email templates of a folder once per process. */
export const loadEmailTemplates: MemoizedAsync<EmailTemplates> = memoizeAsync(compileTemplates);

async function compileTemplates(dir: string): Promise<EmailTemplates> {
  // An isolated environment: helpers and partials of one site never leak into another's.
  const env = Handlebars.create();
  env.registerHelper(
    'join',
    (list: unknown, separator: unknown) =>
      new env.SafeString(
        Array.isArray(list) ? list.map(String).join(typeof separator === 'string' ? separator : ', ') : '',
      ),
  );
  const partialsDir = join(dir, 'email', 'partials');
  let partialNames: string[] = [];
  try {
    partialNames = (await readdir(partialsDir)).filter((n) => n.endsWith('.hbs'));
  } catch (error) {
    // A template set without partials is fine; one whose partials cannot be read would fail later, and
    // obscurely.
    if (!isErrno(error, 'ENOENT'))
      throw new TemplateError(partialsDir, `cannot read the partials folder (${causeOf(error)}).`, {
        cause: error,
      });
  }
  for (const name of partialNames) {
    const file = join(partialsDir, name);
    env.registerPartial(basename(name).replace(/\..*$/, ''), precompile(env, file, await readTemplate(file)));
  }
  const htmlFile = join(dir, 'email', 'email.mjml.hbs');
  const textFile = join(dir, 'email', 'email.txt.hbs');
  return {
    dir,
    html: precompile(env, htmlFile, await readTemplate(htmlFile)),
    text: precompile(env, textFile, await readTemplate(textFile)),
  };
}

async function readTemplate(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new TemplateError(
      file,
      `cannot read the template (${(error as NodeJS.ErrnoException).code ?? String(error)}).`,
      { cause: error },
    );
  }
}

function precompile(env: typeof Handlebars, file: string, source: string): HandlebarsTemplateDelegate {
  // strict: a misspelt field in a template fails the build instead of printing nothing.
  // Prototype access stays at Handlebars' safe default (off).
  const template = env.compile(source, { strict: true });
  return (context: unknown, options?: Handlebars.RuntimeOptions) => {
    try {
      return template(context, options);
    } catch (error) {
      throw new TemplateError(file, (error as Error).message.split('\n')[0] ?? String(error));
    }
  };
}

export { Slot };
