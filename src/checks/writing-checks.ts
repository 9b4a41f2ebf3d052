import type { Heading, Html, Link, Root, Text } from 'mdast';
import { toString } from 'mdast-util-to-string';
import { visit } from 'unist-util-visit';
import type { FrontMatterFile } from '../content/front-matter.js';
import { diagnose, type Diagnostic } from '../diagnostics/diagnostic.js';
import { placeAt } from '../diagnostics/source-text.js';
import { normalizeAddress } from '../subscribers/address.js';
import { bodyOffset } from './source-checks.js';

/** Link text that says nothing when read out of context (a screen reader's list of links, a skim). */
const VAGUE = /^(click here|here|click|read more|more|more info(rmation)?|find out more|this|this link|link|see here|go|website|details)$/i;

/** Checks of how an item is written: link text, heading levels, email links. */
export function checkWriting(file: FrontMatterFile, tree: Root): Diagnostic[] {
  return [...vagueLinkText(file, tree), ...headingOrder(file, tree), ...mailtoAddresses(file, tree), ...mailtoInHtml(file, tree), ...addressWithoutMailto(file, tree), ...linksThatDidNotParse(file, tree)];
}

function at(file: FrontMatterFile, node: { position?: { start: { offset?: number } } }) {
  return placeAt(file.source, bodyOffset(file, node.position?.start.offset ?? 0));
}

function vagueLinkText(file: FrontMatterFile, tree: Root): Diagnostic[] {
  const problems: Diagnostic[] = [];
  visit(tree, 'link', (node: Link) => {
    const text = toString(node).replace(/[.!:…\s]+$/u, '').replace(/\s+/g, ' ').trim();
    if (!VAGUE.test(text)) return;
    problems.push(
      diagnose(file.source, at(file, node), 'link-text-vague', `The link text "${text}" says nothing about where it goes.`, 'Name the destination in the link, e.g. [the stroke programme report](https://...) instead of [click here](https://...).'),
    );
  });
  return problems;
}

/**
 * The issue title is the email's h1 and each item's title an h2 or h3, so headings inside an
 * item start at level 3 and never skip a level (screen-reader users move by headings).
 */
function headingOrder(file: FrontMatterFile, tree: Root): Diagnostic[] {
  const problems: Diagnostic[] = [];
  let previous = 2;
  visit(tree, 'heading', (node: Heading) => {
    if (node.depth < 3) {
      problems.push(diagnose(file.source, at(file, node), 'heading-order', `A level-${node.depth} heading ("${toString(node)}") inside an item competes with the bulletin's own headings.`, 'Use ### for a heading inside an item (and #### below it).'));
    } else if (node.depth > previous + 1) {
      problems.push(diagnose(file.source, at(file, node), 'heading-order', `The heading "${toString(node)}" jumps from level ${previous} to ${node.depth}.`, `Make it level ${previous + 1} (${'#'.repeat(previous + 1)}), so no level is skipped.`));
    }
    previous = Math.max(node.depth, 2);
  });
  return problems;
}

function mailtoAddresses(file: FrontMatterFile, tree: Root): Diagnostic[] {
  const problems: Diagnostic[] = [];
  visit(tree, 'link', (node: Link) => {
    const why = mailtoRefusal(node.url);
    if (why) problems.push(diagnose(file.source, at(file, node), 'mailto-invalid', `The email link ${why}: ${node.url}`, 'Write it as [name@example.org](mailto:name@example.org), with the whole address.'));
  });
  return problems;
}

/** `<a href="mailto:...">` in raw HTML goes into the email as written: its address is checked the same. */
function mailtoInHtml(file: FrontMatterFile, tree: Root): Diagnostic[] {
  const problems: Diagnostic[] = [];
  visit(tree, 'html', (node: Html) => {
    for (const match of node.value.matchAll(/href\s*=\s*(["'])(mailto:[^"']*)\1/gi)) {
      const why = mailtoRefusal(match[2]!);
      const place = placeAt(file.source, bodyOffset(file, (node.position?.start.offset ?? 0) + match.index));
      if (why) problems.push(diagnose(file.source, place, 'mailto-invalid', `The email link ${why}: ${match[2]}`, 'Write it as <a href="mailto:name@example.org">, with the whole address.'));
    }
  });
  return problems;
}

/** Why a `mailto:` address would not reach anyone, or undefined when it would (or it is no `mailto:`). */
function mailtoRefusal(url: string): string | undefined {
  if (!/^mailto:/i.test(url)) return undefined;
  let address = url.slice('mailto:'.length).split('?')[0]!;
  try {
    address = decodeURIComponent(address);
  } catch {
    // checked as written
  }
  const addresses = address.split(',').filter((a) => a.trim() !== '');
  if (addresses.length === 0) return 'has no address';
  const refusal = addresses.map((a) => normalizeAddress(a)).find((r) => !r.ok);
  return refusal && !refusal.ok ? `has an address that ${refusal.reason}` : undefined;
}

/** `[Sue](sue@example.org)`: without `mailto:` it is a link to a page of that name beside the issue. */
function addressWithoutMailto(file: FrontMatterFile, tree: Root): Diagnostic[] {
  const problems: Diagnostic[] = [];
  visit(tree, 'link', (node: Link) => {
    if (!/^[^\s/:?#@]+@[^\s/:?#@]+\.[a-z]{2,}$/i.test(node.url)) return;
    problems.push(diagnose(file.source, at(file, node), 'mailto-missing', `The link to "${node.url}" is an email address without "mailto:", so it would open a web page that does not exist.`, `Write it as [${toString(node) || node.url}](mailto:${node.url}).`));
  });
  return problems;
}

/**
 * `[Sue](mailto:sue smith@example.org)`: a space in the address (or a missing bracket) leaves the
 * Markdown as it was typed, brackets and all, in the email. Found in the text that was left.
 */
function linksThatDidNotParse(file: FrontMatterFile, tree: Root): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const report = (node: Text, index: number, shown: string) =>
    problems.push(
      diagnose(file.source, placeAt(file.source, bodyOffset(file, (node.position?.start.offset ?? 0) + index)), 'link-syntax', `This link did not come out as a link: "${shown.slice(0, 60)}" would show as typed, brackets and all.`, 'An address cannot contain spaces, and needs its closing ")": write [text](https://example.org/page) or [name](mailto:name@example.org).'),
    );
  visit(tree, 'text', (node: Text, index, parent) => {
    const found = [...node.value.matchAll(/\]\(\s*(?:mailto:|https?:\/\/)[^)\n]*(?:\)|$)/gim)];
    for (const match of found) report(node, match.index, match[0]);
    // GFM turns a bare address into a link of its own, so `](https://x/a b)` arrives as text
    // ending in "](", that link, and the rest.
    const next = index === undefined ? undefined : parent?.children[index + 1];
    const opening = /\]\(\s*$/.exec(node.value);
    if (!found.length && opening && next?.type === 'link') report(node, opening.index, `${opening[0]}${next.url}`);
  });
  return problems;
}
