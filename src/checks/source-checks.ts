import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { Definition, Html, Image, Link } from 'mdast';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { at, atOffset, problem } from '../diagnostics/problem.js';
import { placeAt } from '../diagnostics/source-text.js';
import type { FrontMatterFile } from '../content/front-matter.js';
import { isInside, reallyInsideSync } from '../content/inside-folder.js';
import { MOST_LAZY_LINES, overlongLazyQuote } from '../render/lazy-quote.js';
import { parseBodyOf } from '../render/markdown.js';
import { isLocalImage } from '../render/urls.js';
import { bodyOffset } from './body-offset.js';
import { runTreeChecks, type TreeCheck } from './tree-walk.js';
import { writingChecks } from './writing-checks.js';
import { decodedOrAsWritten } from '../support/errors.js';

/** Checks that read each file as written, valid or not, so they report alongside front-matter errors. */
export function checkSources(files: readonly FrontMatterFile[]): Diagnostic[] {
  return files.flatMap((file) => [
    ...leftoverPlaceholders(file),
    ...overlongQuote(file),
    // One walk of the tree for all of them; their problems come out in this order, as if each walked it.
    ...runTreeChecks(parseBodyOf(file, file.body), [
      unsafeHtml(file),
      unsafeUrls(file),
      ...missingAltText(file),
      missingImages(file),
      ...writingChecks(file),
    ]),
  ]);
}

/** A quoted paragraph with thousands of lazy lines: its body is not parsed (render/lazy-quote.ts). */
function overlongQuote(file: FrontMatterFile): Diagnostic[] {
  const run = overlongLazyQuote(file.body);
  if (!run) return [];
  return [
    problem('quote-too-lazy', at(file.source, { line: file.bodyLine + run.line - 1, column: 1 }), {
      lines: run.lazy,
      limit: MOST_LAZY_LINES,
    }),
  ];
}

const PLACEHOLDER = /\b(TK|TKTK|TODO|FIXME|XXX)\b/g;

function leftoverPlaceholders(file: FrontMatterFile): Diagnostic[] {
  const problems: Diagnostic[] = [];
  for (const match of file.source.text.matchAll(PLACEHOLDER)) {
    problems.push(problem('placeholder-left', atOffset(file.source, match.index), { placeholder: match[0] }));
  }
  return problems;
}

/** Each pattern's first group is what is reported, and where. */
const DANGEROUS_HTML = [
  {
    pattern: /(<\s*(?:script|iframe|object|embed|style|form|meta|link|base)\b)/di,
    what: (m: string) => tagName(m.replace(/[<\s]/g, '').toLowerCase()),
  },
  { pattern: /\s(on[a-z]+)\s*=/di, what: (m: string) => `an event handler attribute (${m.toLowerCase()})` },
  // Only inside an attribute value: "Metadata: ..." in a table cell is text, not a URL.
  {
    pattern: /=\s*["']?\s*((?:javascript|vbscript|data)\s*:)/di,
    what: (m: string) => `a ${m.replace(/\s/g, '').toLowerCase()} URL`,
  },
];

function tagName(tag: string): string {
  return `${/^[aeiou]/.test(tag) ? 'an' : 'a'} <${tag}> tag`;
}

/** Raw HTML is sanitized on the way out anyway; saying so here stops a writer wondering where it went. */
function unsafeHtml(file: FrontMatterFile): TreeCheck {
  const problems: Diagnostic[] = [];
  const html = (node: Html) => {
    for (const { pattern, what } of DANGEROUS_HTML) {
      const match = pattern.exec(node.value);
      const found = match?.indices?.[1];
      if (!match || !found) continue;
      const offset = bodyOffset(file, node.position?.start.offset ?? 0) + found[0];
      problems.push(problem('unsafe-html', atOffset(file.source, offset), { what: what(match[1]!) }));
    }
  };
  return { problems, visitors: { html } };
}

function unsafeUrls(file: FrontMatterFile): TreeCheck {
  const problems: Diagnostic[] = [];
  const withUrl = (node: Link | Image | Definition) => {
    const url = node.url.trim();
    if (/^(javascript|vbscript|data):/i.test(url)) {
      problems.push(
        problem('unsafe-url', atOffset(file.source, bodyOffset(file, node.position?.start.offset ?? 0)), {
          url,
        }),
      );
    }
  };
  return { problems, visitors: { link: withUrl, image: withUrl, definition: withUrl } };
}

/** An image beside the item must exist, and stay inside the issue folder (it is published from there). */
function missingImages(file: FrontMatterFile): TreeCheck {
  const problems: Diagnostic[] = [];
  const folder = dirname(resolve(file.source.path));
  const image = (node: Image) => {
    if (!isLocalImage(node.url)) return;
    const place = placeAt(file.source, bodyOffset(file, node.position?.start.offset ?? 0));
    const reference = decodedOrAsWritten(node.url.split(/[?#]/)[0]!, decodeURI);
    const target = resolve(folder, reference);
    if (!isInside(target, folder)) {
      problems.push(problem('image-outside-issue', at(file.source, place), { url: node.url, linked: false }));
    } else if (!existsSync(target)) {
      problems.push(
        problem('image-missing', at(file.source, place), {
          url: node.url,
          item: file.source.path.split('/').pop() ?? '',
          folder: relative(process.cwd(), folder) || '.',
        }),
      );
    } else if (!reallyInsideSync(target, folder)) {
      // A symbolic link out of the folder would publish whatever it points at.
      problems.push(problem('image-outside-issue', at(file.source, place), { url: node.url, linked: true }));
    } else if (!looksLikeImage(target)) {
      problems.push(problem('image-unsupported', at(file.source, place), { url: node.url }));
    }
  };
  return { problems, visitors: { image } };
}

/** Two checks, so that Markdown images are reported before `<img>` tags, as they always were. */
function missingAltText(file: FrontMatterFile): TreeCheck[] {
  const missingAt = (offset: number) =>
    problem('image-alt-missing', atOffset(file.source, bodyOffset(file, offset)));
  const inMarkdown: Diagnostic[] = [];
  const inHtml: Diagnostic[] = [];
  const image = (node: Image) => {
    if (!node.alt?.trim()) inMarkdown.push(missingAt(node.position?.start.offset ?? 0));
  };
  const html = (node: Html) => {
    for (const match of node.value.matchAll(/<img\b[^>]*>/gi)) {
      if (!/\balt\s*=\s*("[^"]+"|'[^']+'|[^\s>"']+)/i.test(match[0]))
        inHtml.push(missingAt((node.position?.start.offset ?? 0) + match.index));
    }
  };
  return [
    { problems: inMarkdown, visitors: { image } },
    { problems: inHtml, visitors: { html } },
  ];
}

/** The first bytes of the formats sharp reads here; a PDF or a text file under an image name is a mistake. */
function looksLikeImage(path: string): boolean {
  const head = Buffer.alloc(32);
  const fd = openSync(path, 'r');
  let length: number;
  try {
    length = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const bytes = head.subarray(0, length);
  const ascii = bytes.toString('latin1');
  return (
    bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) ||
    (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) ||
    ascii.startsWith('GIF87a') ||
    ascii.startsWith('GIF89a') ||
    (ascii.startsWith('RIFF') && ascii.slice(8, 12) === 'WEBP') ||
    /^....ftyp(avif|avis|heic|mif1)/s.test(ascii) ||
    /^\s*(<\?xml|<svg)/i.test(ascii)
  );
}
