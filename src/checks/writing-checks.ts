import type { Heading, Link, Root } from 'mdast';
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
  return [...vagueLinkText(file, tree), ...headingOrder(file, tree), ...mailtoAddresses(file, tree)];
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
    if (!/^mailto:/i.test(node.url)) return;
    let address = node.url.slice('mailto:'.length).split('?')[0]!;
    try {
      address = decodeURIComponent(address);
    } catch {
      // checked as written
    }
    const addresses = address.split(',').filter((a) => a.trim() !== '');
    const refusal = addresses.length === 0 ? 'has no address' : addresses.map((a) => normalizeAddress(a)).find((r) => !r.ok);
    if (!refusal) return;
    const why = typeof refusal === 'string' ? refusal : `has an address that ${(refusal as { reason: string }).reason}`;
    problems.push(diagnose(file.source, at(file, node), 'mailto-invalid', `The email link ${why}: ${node.url}`, 'Write it as [name@example.org](mailto:name@example.org), with the whole address.'));
  });
  return problems;
}
