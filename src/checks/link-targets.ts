import type { Definition, Html, Image, ImageReference, Link, LinkReference, Root } from 'mdast';
import { visit } from 'unist-util-visit';
import type { Place } from '../diagnostics/diagnostic.js';
import { codeFrameAt, placeAt } from '../diagnostics/source-text.js';
import type { FrontMatterFile } from '../content/front-matter.js';
import type { Issue } from '../content/model.js';
import { placeOfPath } from '../content/yaml-place.js';
import { parseBodyOf } from '../render/markdown.js';
import { bodyOffset } from './body-offset.js';
import { meetingPath } from '../content/kinds/index.js';
import { parseUrl } from '../support/errors.js';

/**
 * One address a subscriber could follow (a link) or that their mail app would load (an image), and where it
 * was written.
 */
export interface LinkTarget {
  url: string;
  kind: 'link' | 'image';
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
  frame?: string;
}

/**
 * Every web address in the files' bodies and, given the loaded issue, in its front matter. Each
 * place is its own target, duplicates included, so each gets its own report; the checker fetches
 * each distinct address once.
 */
export function collectLinkTargets(files: readonly FrontMatterFile[], issue?: Issue): LinkTarget[] {
  return [...files.flatMap(bodyTargets), ...(issue ? frontMatterTargets(issue) : [])];
}

/**
 * Only absolute web addresses: `mailto:`, `#fragments` and relative references have nothing to
 * fetch (local images are checked on disk by source-checks). `//host/x` is fetched as https, the
 * scheme the archive (the email's base address) uses. The address is kept as written, for reports.
 */
export function webAddress(written: string): string | undefined {
  const trimmed = written.trim();
  const url = trimmed.startsWith('//') ? `https:${trimmed}` : trimmed;
  const protocol = parseUrl(url)?.protocol;
  return protocol === 'http:' || protocol === 'https:' ? url : undefined;
}

function target(
  file: FrontMatterFile,
  place: Place,
  written: string,
  kind: LinkTarget['kind'],
): LinkTarget[] {
  const url = webAddress(written);
  if (!url) return [];
  const frame = file.source.text.length > 0 ? codeFrameAt(file.source, place) : undefined;
  return [
    {
      url,
      kind,
      file: file.source.path,
      line: place.line,
      column: place.column,
      ...(frame ? { frame } : {}),
    },
  ];
}

function bodyTargets(file: FrontMatterFile): LinkTarget[] {
  const tree = parseBodyOf(file, file.body);
  const at = (offsetInBody: number) => placeAt(file.source, bodyOffset(file, offsetInBody));
  const start = (node: { position?: { start: { offset?: number } } }) => node.position?.start.offset ?? 0;
  const targets: LinkTarget[] = [];
  visit(tree, ['link', 'image'], (node) => {
    const { url, type } = node as Link | Image;
    targets.push(...target(file, at(start(node)), url, type === 'image' ? 'image' : 'link'));
  });
  const uses = referenceUses(tree);
  visit(tree, 'definition', (node: Definition) => {
    const use = uses.get(node.identifier);
    // A definition nothing refers to never reaches the email: nobody can follow it.
    if (use) targets.push(...target(file, at(start(node)), node.url, use));
  });
  visit(tree, 'html', (node: Html) => {
    for (const { offset, url, kind } of htmlAddresses(node.value))
      targets.push(...target(file, at(start(node) + offset), url, kind));
  });
  // Read top to bottom, as the writer will fix them.
  return targets.sort((a, b) => a.line - b.line || a.column - b.column);
}

/**
 * How each definition is used: as an image only when no link refers to it (an image must also be an image).
 */
function referenceUses(tree: Root): Map<string, LinkTarget['kind']> {
  const uses = new Map<string, LinkTarget['kind']>();
  visit(tree, ['linkReference', 'imageReference'], (node) => {
    const { identifier, type } = node as LinkReference | ImageReference;
    if (type === 'linkReference') uses.set(identifier, 'link');
    else if (!uses.has(identifier)) uses.set(identifier, 'image');
  });
  return uses;
}

/** `<a href>` and `<img src>` survive sanitizing, so their addresses reach subscribers like Markdown's. */
const HTML_ADDRESSES = [
  { kind: 'link', pattern: /<a\b[^>]*?\shref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))/dgi },
  { kind: 'image', pattern: /<img\b[^>]*?\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))/dgi },
] as const;

function htmlAddresses(html: string): { offset: number; url: string; kind: LinkTarget['kind'] }[] {
  return HTML_ADDRESSES.flatMap(({ kind, pattern }) =>
    [...html.matchAll(pattern)].flatMap((match) => {
      const group = [1, 2, 3].find((g) => match[g] !== undefined);
      const span = group === undefined ? undefined : match.indices?.[group];
      // Attribute values are HTML: `&amp;` in a query string is a plain `&` once parsed.
      return span ? [{ offset: span[0], url: match[group!]!.replaceAll('&amp;', '&'), kind }] : [];
    }),
  );
}

/** `links:` of each item and the `link:` of each meeting, which the templates turn into links. */
function frontMatterTargets(issue: Issue): LinkTarget[] {
  return issue.items.flatMap((item) => {
    const file = item.body.file;
    return [
      ...item.links.flatMap((link, i) =>
        target(file, placeOfPath(file, ['links', i, 'url']), link.url, 'link'),
      ),
      ...item.meetings.flatMap((meeting) =>
        meeting.link
          ? target(file, placeOfPath(file, meetingPath(meeting.index, 'link')), meeting.link, 'link')
          : [],
      ),
    ];
  });
}
