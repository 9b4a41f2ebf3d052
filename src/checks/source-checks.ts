import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { Html, Image, Link, Root } from 'mdast';
import { visit } from 'unist-util-visit';
import { diagnose, type Diagnostic } from '../diagnostics/diagnostic.js';
import { placeAt } from '../diagnostics/source-text.js';
import type { FrontMatterFile } from '../content/front-matter.js';
import { isInside, reallyInsideSync } from '../content/inside-folder.js';
import { parseBodyOf } from '../render/markdown.js';
import { isLocalImage } from '../render/urls.js';
import { bodyOffset } from './body-offset.js';
import { checkWriting } from './writing-checks.js';
import { decodedOrAsWritten } from '../support/errors.js';

/** Checks that read each file as written, valid or not, so they report alongside front-matter errors. */
export function checkSources(files: readonly FrontMatterFile[]): Diagnostic[] {
  return files.flatMap((file) => {
    const tree = parseBodyOf(file, file.body);
    return [
      ...leftoverPlaceholders(file),
      ...unsafeHtml(file, tree),
      ...unsafeUrls(file, tree),
      ...missingAltText(file, tree),
      ...missingImages(file, tree),
      ...checkWriting(file, tree),
    ];
  });
}

const PLACEHOLDER = /\b(TK|TKTK|TODO|FIXME|XXX)\b/g;

function leftoverPlaceholders(file: FrontMatterFile): Diagnostic[] {
  const problems: Diagnostic[] = [];
  for (const match of file.source.text.matchAll(PLACEHOLDER)) {
    problems.push(
      diagnose(
        file.source,
        placeAt(file.source, match.index),
        'placeholder-left',
        `Leftover placeholder "${match[0]}".`,
        'Replace it with the missing text before sending.',
      ),
    );
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
function unsafeHtml(file: FrontMatterFile, tree: Root): Diagnostic[] {
  const problems: Diagnostic[] = [];
  visit(tree, 'html', (node: Html) => {
    for (const { pattern, what } of DANGEROUS_HTML) {
      const match = pattern.exec(node.value);
      const found = match?.indices?.[1];
      if (!match || !found) continue;
      const at = bodyOffset(file, node.position?.start.offset ?? 0) + found[0];
      problems.push(
        diagnose(
          file.source,
          placeAt(file.source, at),
          'unsafe-html',
          `Raw HTML with ${what(match[1]!)} is not allowed in bulletin content; it would be removed.`,
          'Write it in Markdown instead (links: [text](https://...)); scripts, embeds and event handlers never reach subscribers.',
        ),
      );
    }
  });
  return problems;
}

function unsafeUrls(file: FrontMatterFile, tree: Root): Diagnostic[] {
  const problems: Diagnostic[] = [];
  visit(tree, ['link', 'image', 'definition'], (node) => {
    const url = (node as Link | Image).url.trim();
    if (/^(javascript|vbscript|data):/i.test(url)) {
      problems.push(
        diagnose(
          file.source,
          placeAt(file.source, bodyOffset(file, node.position?.start.offset ?? 0)),
          'unsafe-url',
          `The link to "${url.slice(0, 40)}" is a script, not an address.`,
          'Link to a web page (https://...) or an email address (mailto:...).',
        ),
      );
    }
  });
  return problems;
}

/** An image beside the item must exist, and stay inside the issue folder (it is published from there). */
function missingImages(file: FrontMatterFile, tree: Root): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const folder = dirname(resolve(file.source.path));
  visit(tree, 'image', (node: Image) => {
    if (!isLocalImage(node.url)) return;
    const place = placeAt(file.source, bodyOffset(file, node.position?.start.offset ?? 0));
    const reference = decodedOrAsWritten(node.url.split(/[?#]/)[0]!, decodeURI);
    const target = resolve(folder, reference);
    if (!isInside(target, folder)) {
      problems.push(
        diagnose(
          file.source,
          place,
          'image-outside-issue',
          `The image "${node.url}" is outside the issue folder.`,
          'Put the image beside the item file and refer to it by its name, e.g. ![Board meeting](board.jpg).',
        ),
      );
    } else if (!existsSync(target)) {
      problems.push(
        diagnose(
          file.source,
          place,
          'image-missing',
          `The image "${node.url}" does not exist beside ${file.source.path.split('/').pop()}.`,
          `Copy the image into ${relative(process.cwd(), folder) || '.'}/, or correct its name (names are case-sensitive).`,
        ),
      );
    } else if (!reallyInsideSync(target, folder)) {
      // A symbolic link out of the folder would publish whatever it points at.
      problems.push(
        diagnose(
          file.source,
          place,
          'image-outside-issue',
          `The image "${node.url}" is a link to a file outside the issue folder.`,
          'Copy the image itself into the issue folder.',
        ),
      );
    } else if (!looksLikeImage(target)) {
      problems.push(
        diagnose(
          file.source,
          place,
          'image-unsupported',
          `"${node.url}" is not a JPEG, PNG, GIF, WebP, AVIF or SVG image.`,
          'Export it as JPEG or PNG; link to documents with [text](https://...) instead.',
        ),
      );
    }
  });
  return problems;
}

function missingAltText(file: FrontMatterFile, tree: Root): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const report = (offset: number) =>
    problems.push(
      diagnose(
        file.source,
        placeAt(file.source, bodyOffset(file, offset)),
        'image-alt-missing',
        'Image has no alt text.',
        'Describe the image in the brackets, e.g. ![Board members at the May meeting](board.jpg); screen readers and mail apps that block images show it.',
      ),
    );
  visit(tree, 'image', (node: Image) => {
    if (!node.alt?.trim()) report(node.position?.start.offset ?? 0);
  });
  visit(tree, 'html', (node: Html) => {
    for (const match of node.value.matchAll(/<img\b[^>]*>/gi)) {
      if (!/\balt\s*=\s*("[^"]+"|'[^']+'|[^\s>"']+)/i.test(match[0]))
        report((node.position?.start.offset ?? 0) + match.index);
    }
  });
  return problems;
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
