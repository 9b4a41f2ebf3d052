import Handlebars from 'handlebars';
import type { Config } from '../../content/model.js';
import { wrapLongLines } from '../plain-text.js';
import type { RenderedIssue } from '../rendered-issue.js';
import { compileFill, type FilledApart } from './fill-template.js';
import { layOutWithMemory, notingSkeleton } from './document-memo.js';
import { loadMjml } from './mjml-loader.js';
import { memoizedBodyPreset } from './mjml-memo.js';
import { type MjmlError, mjmlRejection } from './mjml-rejection.js';
import { recipientFields, SlotTable, type RecipientField } from './slots.js';
import { TemplateError, type EmailTemplates } from './templates.js';
import { contentsEntries, emailViewModel } from './view-model.js';

/** What differs per recipient. The dispatcher supplies it for every message. */
export interface Recipient {
  email: string;
  name?: string;
  unsubscribeUrl: string;
  preferencesUrl?: string;
  viewOnlineUrl?: string;
  /** The list this message goes to, named in the footer ("You receive the Weekly bulletin..."). */
  listName?: string;
  /** The day the person subscribed, as the footer shows it ("3 March 2026"), when it is known. */
  subscribedOn?: string;
}

export interface FilledEmail {
  html: string;
  text: string;
}

/** An issue's email, laid out once; `fill` is the cheap per-recipient step. */
export interface CompiledEmail {
  date: string;
  subject: string;
  preheader: string;
  /** The issue's page in the web archive. */
  url: string;
  /** The same email as plain data, to send to another thread. */
  layout: EmailLayout;
  fill(recipient: Recipient): FilledEmail;
  /** `fill` with the HTML's slot values apart from the rest, as the checks read it (fill-template.ts). */
  fillApart(recipient: Recipient): { html: FilledApart; text: string };
  fillHtml(recipient: Recipient): string;
  /** The email with each recipient field left as a readable `{{recipient.x}}` placeholder. */
  withPlaceholders(): FilledEmail;
  /** The same, with the HTML's slot values apart, to write without joining (fill-template.ts). */
  withPlaceholdersApart(): { html: FilledApart; text: string };
}

// The per-recipient pass only needs `if`; nothing else a template could call is allowed there.
const fillEnv = Handlebars.create();
export const FILL_OPTIONS = { strict: true, knownHelpersOnly: true, knownHelpers: { if: true } } as const;

const MARKER = /\{\{\{?[^{}]*\}\}\}?/g;

/** The same markers, each any number of times (MJML repeats some: the title becomes an aria-label). */
function sameMarkers(source: ReadonlySet<string>, html: string): boolean {
  const found = new Set<string>();
  for (const [marker] of html.matchAll(MARKER)) {
    if (!source.has(marker)) return false;
    found.add(marker);
  }
  return found.size === source.size;
}

/**
 * The result of the expensive pass, as plain data: the laid-out HTML and text with `{{...}}`
 * markers, and the slot values. It crosses a worker boundary (`bulletin send` lays out in a
 * worker so MJML's memory is gone before thousands of messages are filled) and becomes a
 * `CompiledEmail` again with `hydrateEmail`.
 */
export interface EmailLayout {
  date: string;
  subject: string;
  preheader: string;
  url: string;
  html: { layout: string; slots: Record<string, string> };
  text: { layout: string; slots: Record<string, string> };
  /**
   * The contents list's links (to the archive page at each item) with the item each leads to, so a
   * click on one counts toward that item. Not checked over the network: the archive page is ours.
   */
  contents: { url: string; file: string }[];
}

/** `memoized: false`: plain MJML, no block from memory (the bench's naive baseline). */
export interface LayoutOptions {
  memoized?: boolean;
}

export async function layOutEmail(
  rendered: RenderedIssue,
  config: Config,
  templates: EmailTemplates,
  options: LayoutOptions = {},
): Promise<EmailLayout> {
  const slots = new SlotTable();
  const model = emailViewModel(rendered, config, slots);
  const htmlLayout = await layoutOf(templates.html(model), templates, options.memoized ?? true);
  const textLayout = `${templates
    .text(model)
    .replace(/\n{3,}/g, '\n\n\n')
    .trim()}\n`;
  return {
    date: rendered.issue.date,
    subject: rendered.issue.subject,
    preheader: rendered.issue.summary,
    url: rendered.url,
    html: { layout: htmlLayout, slots: slots.html },
    text: { layout: textLayout, slots: slots.text },
    contents: contentsEntries(rendered, config).map(({ url, file }) => ({ url, file })),
  };
}

/** The MJML source of an issue's email: its structure, with every content value a slot marker. */
export function emailMjml(
  rendered: RenderedIssue,
  config: Config,
  templates: EmailTemplates,
  slots = new SlotTable(),
): string {
  return templates.html(emailViewModel(rendered, config, slots));
}

export async function compileEmail(
  rendered: RenderedIssue,
  config: Config,
  templates: EmailTemplates,
  options: LayoutOptions = {},
): Promise<CompiledEmail> {
  return hydrateEmail(await layOutEmail(rendered, config, templates, options));
}

/** Compiles the per-recipient pass of a laid-out email (cheap: Handlebars over the final HTML). */
export function hydrateEmail(layout: EmailLayout): CompiledEmail {
  const { fill: htmlFill, fillApart: htmlApart } = compileFill(fillEnv, layout.html.layout, FILL_OPTIONS);
  const textFill = compileFill(fillEnv, layout.text.layout, { ...FILL_OPTIONS, noEscape: true }).fill;
  const fields = (recipient: Recipient) => recipientValues(recipient, layout.url);
  const htmlOf = (recipient: ReturnType<typeof fields>) => htmlFill({ slots: layout.html.slots, recipient });
  // Wrapped after the fill: a recipient's address or name can take a line over the width.
  const textOf = (recipient: ReturnType<typeof fields>) =>
    wrapLongLines(textFill({ slots: layout.text.slots, recipient }));
  const fillHtml = (recipient: Recipient) => htmlOf(fields(recipient));
  const fillText = (recipient: Recipient) => textOf(fields(recipient));
  const placeholders = Object.fromEntries(recipientFields.map((f) => [f, `{{recipient.${f}}}`])) as Record<
    RecipientField,
    string
  >;

  return {
    date: layout.date,
    subject: layout.subject,
    preheader: layout.preheader,
    url: layout.url,
    layout,
    fill: (recipient) => {
      const values = fields(recipient);
      return { html: htmlOf(values), text: textOf(values) };
    },
    fillApart: (recipient) => {
      const values = fields(recipient);
      return { html: htmlApart({ slots: layout.html.slots, recipient: values }), text: textOf(values) };
    },
    fillHtml,
    // `if` on a placeholder would be true; show the greeting as it reads with a name.
    withPlaceholders: () => ({
      html: fillHtml(placeholders as Recipient),
      text: fillText(placeholders as Recipient),
    }),
    withPlaceholdersApart: () => ({
      html: htmlApart({ slots: layout.html.slots, recipient: fields(placeholders as Recipient) }),
      text: fillText(placeholders as Recipient),
    }),
  };
}

/**
 * `hydrateEmail`, put off until the email is first filled: a cached email that is only checked never
 * is, and a build of many issues keeps each one's report without its compiled per-recipient pass.
 */
export function hydrateWhenFilled(layout: EmailLayout): CompiledEmail {
  let hydrated: CompiledEmail | undefined;
  const full = () => {
    hydrated ??= hydrateEmail(layout);
    return hydrated;
  };
  return {
    date: layout.date,
    subject: layout.subject,
    preheader: layout.preheader,
    url: layout.url,
    layout,
    fill: (recipient) => full().fill(recipient),
    fillApart: (recipient) => full().fillApart(recipient),
    fillHtml: (recipient) => full().fillHtml(recipient),
    withPlaceholders: () => full().withPlaceholders(),
    withPlaceholdersApart: () => full().withPlaceholdersApart(),
  };
}

/**
 * MJML's options for an email layout. Strict validation: a template mistake fails the build, naming
 * the template. `memoized` adds the body whose blocks are remembered (mjml-memo.ts) and the skeleton
 * that scans only for the web fonts an email names (mjml-fonts.ts) and notes the page it makes
 * (document-memo.ts); false is plain MJML, which the tests compare it with.
 */
export function mjmlOptions(templatesDir: string, memoized = true): object {
  return {
    validationLevel: 'strict',
    keepComments: false,
    filePath: templatesDir,
    ...(memoized ? { presets: [memoizedBodyPreset()], skeleton: notingSkeleton() } : {}),
  };
}

/**
 * The last layout made with each template set, by its MJML source. Content reaches MJML only as
 * slot markers, so a save in the preview that changes no structure (a title, a sentence) asks for
 * the same source again, as does a run of issues of the same shape. A saved template makes a new
 * set (`loadEmailTemplates.forget`), so nothing MJML reads from the templates folder is stale.
 */
const lastLayouts = new WeakMap<EmailTemplates, { source: string; html: string }>();

async function layoutOf(source: string, templates: EmailTemplates, memoized: boolean): Promise<string> {
  if (!memoized) return runMjml(source, templates.dir, false);
  const last = lastLayouts.get(templates);
  if (last?.source === source) return last.html;
  const html = await runMjml(source, templates.dir, true);
  lastLayouts.set(templates, { source, html });
  return html;
}

/** MJML once per issue, its body's blocks from memory when an earlier email had the same ones. */
async function runMjml(source: string, templatesDir: string, memoized: boolean): Promise<string> {
  const markersBefore = new Set(source.match(MARKER));
  // Loaded on first use: MJML takes a fifth of a second to load, and `--help` should not wait for it.
  const compile = loadMjml() as (
    input: string | object,
    o: object,
  ) => Promise<{ html: string; errors: MjmlError[] }>;
  // Parsed first when memoized (a syntax error then rejects here, as MJML's own parse would).
  const result = await (async () =>
    memoized
      ? layOutWithMemory(source, templatesDir, compile, mjmlOptions(templatesDir))
      : compile(source, mjmlOptions(templatesDir, false)))().catch(
    (error: Error & { errors?: MjmlError[] }) => {
      if (error.errors?.length) throw mjmlRejection(templatesDir, error.errors);
      throw new TemplateError(
        `${templatesDir}/email/email.mjml.hbs`,
        `MJML rejected the email layout: ${error.message}`,
      );
    },
  );
  if (result.errors.length) throw mjmlRejection(templatesDir, result.errors);
  // MJML may repeat a marker (the title becomes an aria-label too) but must not lose or alter one.
  if (!sameMarkers(markersBefore, result.html)) {
    throw new TemplateError(
      `${templatesDir}/email/email.mjml.hbs`,
      `MJML altered the content markers; keep {{...}} inside mj-text, mj-title, mj-raw or plain attributes.`,
    );
  }
  return memoized ? oneByteWhereLatin1(result.html) : result.html;
}

/**
 * The same text, held by V8 in one byte a character when every character fits. Remembered blocks are
 * laid out with stand-ins beyond Latin-1 for their contents (verbatim-content.ts), and a string made
 * from one such is kept in two bytes a character even once they are gone: 110 KB a layout where
 * MJML's own is 55 KB, written so to the email cache and copied so by every fill and check.
 */
function oneByteWhereLatin1(text: string): string {
  return /[\u0100-\uffff]/.test(text) ? text : Buffer.from(text, 'latin1').toString('latin1');
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * What the per-recipient pass reads, with the defaults for the fields a recipient may leave out.
 * Built field by field, in one order, for the common recipient: every fill then reads an object of
 * one shape, where spreading the recipient made a new shape per set of fields present and cost a
 * third of a fill. A recipient without its address or unsubscribe link keeps them absent, so the
 * strict pass names the missing field as before.
 */
function recipientValues(recipient: Recipient, issueUrl: string): Record<string, string> {
  if (recipient.email === undefined || recipient.unsubscribeUrl === undefined) {
    return {
      preferencesUrl: issueUrl,
      viewOnlineUrl: issueUrl,
      name: '',
      listName: '',
      subscribedOn: '',
      ...dropUndefined(recipient),
    } as Record<string, string>;
  }
  return {
    name: recipient.name ?? '',
    email: recipient.email,
    unsubscribeUrl: recipient.unsubscribeUrl,
    preferencesUrl: recipient.preferencesUrl ?? issueUrl,
    viewOnlineUrl: recipient.viewOnlineUrl ?? issueUrl,
    listName: recipient.listName ?? '',
    subscribedOn: recipient.subscribedOn ?? '',
  };
}
