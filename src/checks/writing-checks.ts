import type { Heading, Html, Link, Parents, Text } from 'mdast';
import { toString as textOf } from 'mdast-util-to-string';
import type { FrontMatterFile } from '../content/front-matter.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { atOffset, problem, type ProblemPlace } from '../diagnostics/problem.js';
import { decodeHTML } from 'entities';
import { normalizeAddress } from '../support/email-address.js';
import { bodyOffset } from './body-offset.js';
import { decodedOrAsWritten } from '../support/errors.js';
import type { TreeCheck } from './tree-walk.js';

/** Link text that says nothing when read out of context (a screen reader's list of links, a skim). */
const VAGUE =
  /^(click here|here|click|read more|more|more info(rmation)?|find out more|this|this link|link|see here|go|website|details)$/i;

/** Checks of how an item is written: link text, heading levels, email links (run by `runTreeChecks`). */
export function writingChecks(file: FrontMatterFile): TreeCheck[] {
  return [
    vagueLinkText(file),
    headingOrder(file),
    mailtoAddresses(file),
    mailtoInHtml(file),
    addressWithoutMailto(file),
    linksThatDidNotParse(file),
  ];
}

function at(file: FrontMatterFile, node: { position?: { start: { offset?: number } } }): ProblemPlace {
  return atOffset(file.source, bodyOffset(file, node.position?.start.offset ?? 0));
}

function vagueLinkText(file: FrontMatterFile): TreeCheck {
  const problems: Diagnostic[] = [];
  const link = (node: Link) => {
    const text = textOf(node)
      .replace(/[.!:…\s]+$/u, '')
      .replace(/\s+/g, ' ')
      .trim();
    if (!VAGUE.test(text)) return;
    problems.push(problem('link-text-vague', at(file, node), { text }));
  };
  return { problems, visitors: { link } };
}

/**
 * The issue title is the email's h1 and each item's title an h2 or h3, so headings inside an
 * item start at level 3 and never skip a level (screen-reader users move by headings).
 */
function headingOrder(file: FrontMatterFile): TreeCheck {
  const problems: Diagnostic[] = [];
  let previous = 2;
  const heading = (node: Heading) => {
    if (node.depth < 3) {
      problems.push(
        problem('heading-order', at(file, node), { case: 'too-high', depth: node.depth, text: textOf(node) }),
      );
    } else if (node.depth > previous + 1) {
      problems.push(
        problem('heading-order', at(file, node), {
          case: 'skip',
          depth: node.depth,
          text: textOf(node),
          previous,
        }),
      );
    }
    previous = Math.max(node.depth, 2);
  };
  return { problems, visitors: { heading } };
}

function mailtoAddresses(file: FrontMatterFile): TreeCheck {
  const problems: Diagnostic[] = [];
  const link = (node: Link) => {
    const why = mailtoRefusal(node.url);
    if (why) problems.push(problem('mailto-invalid', at(file, node), { why, url: node.url, html: false }));
  };
  return { problems, visitors: { link } };
}

/** `<a href="mailto:...">` in raw HTML goes into the email as written: its address is checked the same. */
function mailtoInHtml(file: FrontMatterFile): TreeCheck {
  const problems: Diagnostic[] = [];
  const html = (node: Html) => {
    for (const match of node.value.matchAll(/href\s*=\s*(["'])(mailto:[^"']*)\1/gi)) {
      // An attribute may spell characters as entities (&#64; for @): the mail app reads them decoded.
      const why = mailtoRefusal(decodeHTML(match[2]!));
      const place = atOffset(file.source, bodyOffset(file, (node.position?.start.offset ?? 0) + match.index));
      if (why) problems.push(problem('mailto-invalid', place, { why, url: match[2]!, html: true }));
    }
  };
  return { problems, visitors: { html } };
}

/** Why a `mailto:` address would not reach anyone, or undefined when it would (or it is no `mailto:`). */
function mailtoRefusal(url: string): string | undefined {
  if (!/^mailto:/i.test(url)) return undefined;
  const address = decodedOrAsWritten(url.slice('mailto:'.length).split('?')[0]!, decodeURIComponent);
  const addresses = address.split(',').filter((a) => a.trim() !== '');
  if (addresses.length === 0) return 'has no address';
  const refusal = addresses.map((a) => normalizeAddress(a)).find((r) => !r.ok);
  return refusal && !refusal.ok ? `has an address that ${refusal.reason}` : undefined;
}

/** `[Sue](sue@example.org)`: without `mailto:` it is a link to a page of that name beside the issue. */
function addressWithoutMailto(file: FrontMatterFile): TreeCheck {
  const problems: Diagnostic[] = [];
  const link = (node: Link) => {
    const address = /^[^\s/:?#@]+@[^\s/:?#@]+\.([a-z]{2,})$/i.exec(node.url);
    // `logo@2x.png` is a file beside the item, not an address.
    if (!address || FILE_EXTENSIONS.has(address[1]!.toLowerCase())) return;
    problems.push(problem('mailto-missing', at(file, node), { url: node.url, text: textOf(node) }));
  };
  return { problems, visitors: { link } };
}

/** Endings of files an item may link to, which an address's top-level domain never is in practice. */
const FILE_EXTENSIONS = new Set([
  'png',
  'jpg',
  'jpeg',
  'gif',
  'webp',
  'avif',
  'svg',
  'pdf',
  'doc',
  'docx',
  'xls',
  'xlsx',
  'ppt',
  'pptx',
  'odt',
  'csv',
  'txt',
  'htm',
  'html',
  'md',
  'zip',
  'mp3',
  'mp4',
]);

/**
 * `[Sue](mailto:sue smith@example.org)`: a space in the address (or a missing bracket) leaves the
 * Markdown as it was typed, brackets and all, in the email. Found in the source of the text that
 * was left (not its decoded value, so positions hold and an escaped `\]` is left alone).
 */
function linksThatDidNotParse(file: FrontMatterFile): TreeCheck {
  const problems: Diagnostic[] = [];
  const report = (offset: number) => {
    // What the reader would see: from "](" to the ")" that was meant to close it, on that line.
    const text = file.source.text;
    const lineEnd = text.indexOf('\n', offset) < 0 ? text.length : text.indexOf('\n', offset);
    const close = text.indexOf(')', offset);
    const shown = text.slice(offset, close >= 0 && close < lineEnd ? close + 1 : lineEnd);
    problems.push(problem('link-syntax', atOffset(file.source, offset), { shown }));
  };
  const textNode = (node: Text, index: number | undefined, parent?: Parents) => {
    const start = node.position?.start.offset;
    const end = node.position?.end.offset;
    if (start === undefined || end === undefined) return;
    const from = bodyOffset(file, start);
    const written = file.source.text.slice(from, bodyOffset(file, end));
    const found = [...written.matchAll(/(?<!\\)\]\(\s*(?:mailto:|https?:\/\/)[^)\n]*(?:\)|$)/gim)];
    for (const match of found) report(from + match.index);
    // GFM turns a bare address into a link of its own, so `](https://x/a b)` arrives as text
    // ending in "](", that link, and the rest.
    const next = index === undefined ? undefined : parent?.children[index + 1];
    const opening = /(?<!\\)\]\(\s*$/.exec(written);
    if (!found.length && opening && next?.type === 'link') report(from + opening.index);
  };
  return { problems, visitors: { text: textNode } };
}
